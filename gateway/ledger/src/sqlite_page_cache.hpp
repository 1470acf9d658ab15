// File: sqlite_page_cache.hpp
// SQLite's own page cache with one cost taken out: a commit that scans the whole cache for
// pages it does not hold (docs/performance.md, "A commit scanned the whole page cache").
#pragma once

namespace claimgate::gateway {

/// Installs, once per process and before SQLite initialises, a thin layer over SQLite's
/// built-in page cache (SQLITE_CONFIG_PCACHE2) that skips truncations which cannot drop a page.
///
/// Why: a B-tree page split moves a page through a temporary page number past the 1 GiB lock
/// byte (SQLite's btree.c, balance_nonroot), which leaves the built-in cache believing it may
/// hold a page that high. Every commit then truncates the cache to the database's size, and
/// while the database is smaller than 1 GiB that truncation walks every hash bucket of the
/// cache (16,384 to 131,072 with our 512 MiB cache) to drop nothing: 8 % of the ledger
/// writer's CPU in the gateway bench. The layer keeps its own exact bound on the page numbers
/// the cache holds and passes a truncation on only when a page at or above the limit can exist.
class SqlitePageCache {
public:
    /// Idempotent. Returns false (and changes nothing) when SQLite was already initialised in
    /// this process, e.g. by a library that opened a database first: the built-in cache stays,
    /// correct and slower.
    static bool installOnce();
};

}  // namespace claimgate::gateway
