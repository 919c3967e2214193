/**
 * The REST API's own limits and defaults, each with why (docs/api.md). The per-tenant budget of REST writes is
 * `REST_WRITES_PER_MINUTE` in shared/limits.ts, tunable like the other write budgets.
 */

/** Images per page when `limit` is not given: a screenful of a moderation list. */
export const DEFAULT_IMAGES_PAGE = 50;
/** Most images per page: each is a small row, and a bigger page only delays the first byte. */
export const MAX_IMAGES_PAGE = 500;
/**
 * How long an idempotency key and its answer are kept: a day, as Stripe does, covers any sane retry schedule
 * (a queue that retries for hours after an outage) and keeps the table small.
 */
export const IDEMPOTENCY_KEEP_MS = 24 * 60 * 60 * 1000;
/**
 * How long a claimed key may stay without an answer before another request may claim it again: far longer than a
 * write takes (the store's statement timeout is 10 s), so only a node that died mid-write leaves a key this long.
 */
export const IDEMPOTENCY_LEASE_MS = 60 * 1000;
/** Longest `Idempotency-Key`: a UUID needs 36; 255 leaves room for a caller's own composite keys. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/**
 * Largest body of `POST …/import`: eight images at their most conversation (`MAX_IMAGE_BYTES`, 2 MiB each) with
 * room for JSON's escaping. A bigger tenant imports image by image (`export?urlId=`) or with the CLI, which reads a file.
 */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;
/** Comments per page of a search when `limit` is not given: a screenful of the dashboard's moderation list. */
export const DEFAULT_COMMENTS_PAGE = 25;
/**
 * Most comments per page of a search: each carries its whole text (up to MAX_TEXT_LENGTH), and a text search may
 * scan the tenant's comments to fill a page, so pages stay small and the caller pages on.
 */
export const MAX_COMMENTS_PAGE = 100;
/** Longest `q` or `author` of a search: longer than any author name, and a comment is found by a phrase, not its whole text. */
export const MAX_SEARCH_TERM_LENGTH = 200;
