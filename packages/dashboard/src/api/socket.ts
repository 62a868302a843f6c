/**
 * WebSockets to the API. Browsers cannot set headers on a WebSocket, so the first message
 * carries the session token: `{"type":"auth","token"}`.
 */
import { getSession } from "./session";

export function socketUrl(path: string): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/v1${path}`;
}

/** Opens a socket, authenticates, then sends `first` (a start/connect message) if given. */
export function openApiSocket(path: string, first?: Record<string, unknown>): WebSocket {
  const ws = new WebSocket(socketUrl(path));
  ws.addEventListener("open", () => {
    const session = getSession();
    ws.send(JSON.stringify({ type: "auth", token: session?.token ?? "" }));
    if (first) ws.send(JSON.stringify(first));
  });
  return ws;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i += 1) out[i] = s.charCodeAt(i);
  return out;
}
