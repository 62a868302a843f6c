import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { envdClients, startEnvd, type RunningEnvd } from "@wrenn/testkit";

/** The Connect code a call ended with, or "ok". */
async function rpcOutcome(call: () => Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call();
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

describe("envd access token", () => {
  let envd: RunningEnvd;
  const token = "wrenn-test-token-1";

  beforeAll(async () => {
    envd = await startEnvd();
  });
  afterAll(async () => {
    await envd?.stop();
  });

  const get = (path: string, accessToken?: string): Promise<Response> =>
    fetch(`${envd.url}${path}`, { headers: accessToken ? { "x-access-token": accessToken } : {} });
  const post = (path: string, body: unknown, accessToken?: string): Promise<Response> =>
    fetch(`${envd.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(accessToken ? { "x-access-token": accessToken } : {}) },
      body: JSON.stringify(body),
    });

  // The tests below run in order: open envd, then locked by /init, then token rotation.
  it("is open to everyone before the first /init", async () => {
    expect((await get("/metrics")).status).toBe(200);
    expect((await get("/envs")).status).toBe(200);
    const { process } = envdClients(envd.url);
    expect(await rpcOutcome(() => process.list({}))).not.toBe(Code.Unauthenticated);
  });

  it("locks every endpoint but /health once /init set a token", async () => {
    expect((await post("/init", { accessToken: token })).status).toBe(204);

    expect((await get("/health")).status).toBe(200);
    for (const path of ["/metrics", "/envs"]) {
      for (const given of [undefined, "wrong-token"]) {
        const res = await get(path, given);
        expect(res.status, `${path} with ${given ?? "no"} token`).toBe(401);
        const body = (await res.json()) as { code: number; message: string };
        expect(body.code).toBe(401);
        expect(body.message).toMatch(given ? /invalid access token/ : /X-Access-Token/);
      }
      expect((await get(path, token)).status).toBe(200);
    }
    for (const given of [undefined, "wrong-token"]) {
      expect((await post("/snapshot/prepare", {}, given)).status).toBe(401);
      expect((await post("/init", { envVars: { EVIL: "1" } }, given)).status).toBe(401);
    }
    expect(await (await get("/envs", token)).json()).not.toHaveProperty("EVIL");
  });

  it("locks /files once it is routed", async (ctx) => {
    const probe = await get("/files?path=/etc/hostname", token);
    // /files is built in parallel; until it is routed, Connect answers 404 for the path.
    if (probe.status === 404 && !(await probe.text()).includes("hostname")) ctx.skip();
    for (const given of [undefined, "wrong-token"]) {
      expect((await get("/files?path=/etc/hostname", given)).status).toBe(401);
      const form = new FormData();
      form.append("file", new Blob(["x"]), "x.txt");
      const upload = await fetch(`${envd.url}/files?path=/tmp/wrenn-auth-test-should-not-exist`, {
        method: "POST",
        headers: given ? { "x-access-token": given } : {},
        body: form,
      });
      expect(upload.status).toBe(401);
    }
  });

  it("rejects Connect RPCs without the right token, over HTTP/1.1 and HTTP/2", async () => {
    for (const httpVersion of ["1.1", "2"] as const) {
      for (const accessToken of [undefined, "wrong-token"]) {
        const { process, filesystem } = envdClients(envd.url, { accessToken, httpVersion });
        expect(await rpcOutcome(() => process.list({}))).toBe(Code.Unauthenticated);
        expect(await rpcOutcome(() => filesystem.stat({ path: "/" }))).toBe(Code.Unauthenticated);
      }
      // The services may still be unimplemented; anything but Unauthenticated proves auth passed.
      const { process, filesystem } = envdClients(envd.url, { accessToken: token, httpVersion });
      expect(await rpcOutcome(() => process.list({}))).not.toBe(Code.Unauthenticated);
      expect(await rpcOutcome(() => filesystem.stat({ path: "/" }))).not.toBe(Code.Unauthenticated);
    }
  });

  it("lets only the current token change the token", async () => {
    const next = "wrenn-test-token-2";
    expect((await post("/init", { accessToken: "hijack" })).status).toBe(401);
    expect((await post("/init", { accessToken: "hijack" }, "wrong-token")).status).toBe(401);
    expect((await post("/init", { accessToken: next }, token)).status).toBe(204);

    expect((await get("/envs", token)).status).toBe(401);
    expect((await get("/envs", next)).status).toBe(200);
    const { process } = envdClients(envd.url, { accessToken: token });
    expect(await rpcOutcome(() => process.list({}))).toBe(Code.Unauthenticated);
  });
});
