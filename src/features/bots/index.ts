// The bots feature's public surface: the shared schemas and the listing's keyset pagination.
export { ErrorBody, IdParams, Uuid } from './bots.schemas.ts';
export type { PagedRow, Position } from './pagination.ts';
export { decodeCursor, keysetSql, ListQuery, toPage } from './pagination.ts';
