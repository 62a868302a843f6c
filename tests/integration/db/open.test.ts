import { WrennError } from "@wrenn/core";
import { openDatabase } from "@wrenn/db";
import { describe, expect, inject, it } from "vitest";

describe("openDatabase", () => {
  it("needs a url or a data directory", async () => {
    await expect(openDatabase({})).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("names an unreachable PostgreSQL without its password", async () => {
    const url = new URL(inject("postgresUrl"));
    url.port = "1";
    url.password = "s3cret";
    const err = await openDatabase({ url: url.toString() }).catch((e: unknown) => e);
    expect(WrennError.is(err, "internal_error")).toBe(true);
    expect((err as Error).message).toContain("cannot connect to PostgreSQL at postgres://wrenn:***@127.0.0.1:1/wrenn");
    expect((err as Error).message).not.toContain("s3cret");
  });
});
