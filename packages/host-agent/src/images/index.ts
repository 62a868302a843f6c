export { ImageStore, type ImageStoreOptions, type ImageStoreLogger, type ImageInfo, type EnsureOptions } from "./image-store.js";
export { builtinTemplates, isBuiltinTemplate, IMAGE_BUILDER_VERSION, DEFAULT_DEBIAN_MIRROR, type ImageRecipe } from "./recipes.js";
export { DEFAULT_USER, OPT_MOUNT_POINT } from "./configure.js";
export { OPT_NODE, OPT_ENVD, type OptLayerInfo } from "./opt-layer.js";
export type { ImageManifest } from "./build-image.js";
export { renderProgress, type BuildProgress, type BuildPhase, type ProgressListener, type ProgressRenderer } from "./progress.js";
