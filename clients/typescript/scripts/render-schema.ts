// Renders an OpenAPI 3 document as the TypeScript declarations of src/schema.ts, with
// openapi-typescript. Deterministic: the same document always gives the same text (keys sorted,
// no date or version in the output), so the committed file can be compared with a fresh render.
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';

/** Below openapi-typescript's own header: where the file comes from. */
const SOURCE_NOTE = "// From the service's /openapi.json: `npm run client:generate` rewrites this file.\n\n";

export async function renderSchema(document: unknown): Promise<string> {
  // openapi-typescript resolves $refs into the object it is given: it gets a copy.
  const ast = await openapiTS(structuredClone(document) as OpenAPI3, { alphabetize: true, silent: true });
  return COMMENT_HEADER + SOURCE_NOTE + astToString(ast);
}
