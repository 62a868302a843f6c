// Node 20.0–20.3 lack Symbol.asyncDispose; `await using` (TypeScript's downlevel helper
// included) looks it up under this registered name, so define it once if missing.
const symbols = Symbol as unknown as { asyncDispose?: symbol; dispose?: symbol };
symbols.asyncDispose ??= Symbol.for("Symbol.asyncDispose");
symbols.dispose ??= Symbol.for("Symbol.dispose");

export {};
