/** The markdown cell escapers live in the leaf src/util/markdown.ts (docs, below this tier, use them too). */
export { markdownCell, markdownCode } from '../util/markdown';
