// @vitest-environment happy-dom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FileEntry } from "../../api/types";
import { AppHarness } from "../../test-support";
import { FilePreview } from "./file-preview";

const entry = (name: string, size: number): FileEntry => ({
  name,
  path: `/home/user/${name}`,
  type: "file",
  size,
  mode: 0o644,
  permissions: "-rw-r--r--",
  owner: "user",
  group: "user",
  modified_at: "2025-01-01T12:00:00.000Z",
});

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const show = (e: FileEntry) =>
  render(
    <AppHarness>
      <FilePreview capsuleId="cl-x" entry={e} onDownload={() => {}} onClose={() => {}} />
    </AppHarness>,
  );

describe("FilePreview", () => {
  it("reads and highlights a small text file", async () => {
    fetchMock.mockResolvedValue(new Response('print("hi")  # greet\n', { status: 200 }));
    show(entry("hello.py", 22));
    const pre = await screen.findByTestId("file-preview-text");
    expect(pre.textContent).toBe('print("hi")  # greet\n');
    expect(pre.querySelector(".tok-string")?.textContent).toBe('"hi"');
    expect(pre.querySelector(".tok-comment")?.textContent).toBe("# greet");
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/v1/capsules/cl-x/files/read");
    expect(JSON.parse(init.body)).toEqual({ path: "/home/user/hello.py" });
  });

  it("does not fetch huge files", async () => {
    show(entry("huge.log", 50 * 1024 * 1024));
    expect(await screen.findByText(/too large to preview/)).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("does not fetch known binary files", async () => {
    show(entry("archive.tar.gz", 1000));
    expect(await screen.findByText(/Binary file: no preview/)).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("says binary when the bytes turn out to be binary", async () => {
    fetchMock.mockResolvedValue(new Response(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]), { status: 200 }));
    show(entry("program", 7));
    expect(await screen.findByText(/Binary file: no preview/)).toBeTruthy();
  });

  it("shows the API's message when the read fails", async () => {
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ error: { code: "not_found", message: "no such file: /home/user/gone.txt" } }), { status: 404 }));
    show(entry("gone.txt", 3));
    expect(await screen.findByText("no such file: /home/user/gone.txt")).toBeTruthy();
  });
});
