// The bots feature's public surface: the shared schemas (pagination is platform/pagination.ts).

export { botNotFound } from './bots.errors.ts';
export { IdParams, Uuid } from './bots.schemas.ts';
