// Registers the semantic family (CLIP/SigLIP/DINO similarity rewards); imported by rewards/index.ts.
import './clip_text_image.js';
import './image_image.js';
import './text_text.js';
import './refclip.js';
// the families built on the embedders register here too, so rewards/index.ts needs one line
import '../svg/index.js';
import '../faithfulness/index.js';

export { loadEmbedder, checkModelFolder, cosine, MODEL_SOURCES, MODEL_ENV, type Embedder, type EmbedderKind, type EmbedderOptions } from './embedder.js';
export { resolveEmbedder, type EmbedderRole, type Resolved } from './services.js';
