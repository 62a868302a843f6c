import { WrennError } from "@wrenn/core";

/**
 * Bumped whenever the builder changes what ends up in an image (build steps, apt options,
 * trimming), so every cached image is rebuilt once. Part of every content hash.
 */
export const IMAGE_BUILDER_VERSION = 1;

export const DEFAULT_DEBIAN_MIRROR = "http://deb.debian.org/debian";

/**
 * How one built-in template is made. A root image comes from `debootstrap` with
 * `packages` as `--include`; a derived image copies its `base` image and installs
 * `packages` with `apt-get` in a chroot (README.md has the measurements behind that choice).
 */
export interface ImageRecipe {
  name: string;
  suite: "bookworm";
  variant: "minbase";
  /** Template this one is copied from; absent for root images. */
  base?: string;
  packages: string[];
}

const minimal: ImageRecipe = {
  name: "minimal",
  suite: "bookworm",
  variant: "minbase",
  packages: ["bash", "coreutils", "procps", "curl", "wget", "ca-certificates", "git", "sudo", "socat", "tini"],
};

const python: ImageRecipe = {
  name: "python",
  suite: "bookworm",
  variant: "minbase",
  base: "minimal",
  packages: ["python3", "python3-pip", "python3-venv"],
};

const node: ImageRecipe = {
  name: "node",
  suite: "bookworm",
  variant: "minbase",
  base: "minimal",
  packages: ["nodejs", "npm"],
};

const recipes: ReadonlyMap<string, ImageRecipe> = new Map([minimal, python, node].map((r) => [r.name, r]));

/** Names of the templates every host can build from Debian packages. */
export const builtinTemplates: readonly string[] = [...recipes.keys()];

export function isBuiltinTemplate(name: string): boolean {
  return recipes.has(name);
}

/** The recipe of a built-in template; `not_found` for any other name. */
export function recipeFor(name: string): ImageRecipe {
  const recipe = recipes.get(name);
  if (!recipe) {
    throw new WrennError("not_found", `unknown template "${name}": built-in templates are ${builtinTemplates.join(", ")}`);
  }
  return recipe;
}
