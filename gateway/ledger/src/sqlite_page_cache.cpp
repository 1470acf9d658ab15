#include "sqlite_page_cache.hpp"

#include <claimgate/protocols/invariant.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace claimgate::gateway {
namespace {

/// SQLite's built-in methods, saved before ours replace them; every call ends up there.
sqlite3_pcache_methods2 g_builtin{};

/// One cache of one connection. SQLite calls a cache's methods from the thread that is using
/// its connection, one call at a time, so this state needs no lock.
struct BoundedCache {
    sqlite3_pcache* builtin = nullptr;
    /// No page in the cache has a higher number, except those in `moved_above`.
    unsigned highest_key = 0;
    /// Pages rekeyed above `highest_key` (the split's temporary number): usually none, at most
    /// a couple, and moved back down within the same split.
    std::vector<std::pair<sqlite3_pcache_page*, unsigned>> moved_above;

    void forget(sqlite3_pcache_page* page) {
        std::erase_if(moved_above, [page](const auto& moved) { return moved.first == page; });
    }
    [[nodiscard]] bool mayHoldFrom(unsigned limit) const {
        if (highest_key >= limit) return true;
        return std::any_of(moved_above.begin(), moved_above.end(),
                           [limit](const auto& moved) { return moved.second >= limit; });
    }
};

BoundedCache& cacheOf(sqlite3_pcache* cache) { return *reinterpret_cast<BoundedCache*>(cache); }

int initCaches(void* /*arg*/) { return g_builtin.xInit(g_builtin.pArg); }
void shutdownCaches(void* /*arg*/) { g_builtin.xShutdown(g_builtin.pArg); }

sqlite3_pcache* createCache(int page_size, int extra_size, int purgeable) {
    sqlite3_pcache* builtin = g_builtin.xCreate(page_size, extra_size, purgeable);
    if (builtin == nullptr) return nullptr;
    auto* cache = new (std::nothrow) BoundedCache;
    if (cache == nullptr) {
        g_builtin.xDestroy(builtin);
        return nullptr;
    }
    cache->builtin = builtin;
    return reinterpret_cast<sqlite3_pcache*>(cache);
}

void setCacheSize(sqlite3_pcache* cache, int pages) {
    g_builtin.xCachesize(cacheOf(cache).builtin, pages);
}

int pageCount(sqlite3_pcache* cache) { return g_builtin.xPagecount(cacheOf(cache).builtin); }

sqlite3_pcache_page* fetchPage(sqlite3_pcache* cache, unsigned key, int create) {
    BoundedCache& bounded = cacheOf(cache);
    sqlite3_pcache_page* page = g_builtin.xFetch(bounded.builtin, key, create);
    if (page != nullptr && key > bounded.highest_key) bounded.highest_key = key;
    return page;
}

void unpinPage(sqlite3_pcache* cache, sqlite3_pcache_page* page, int discard) {
    BoundedCache& bounded = cacheOf(cache);
    if (discard != 0 && !bounded.moved_above.empty()) bounded.forget(page);
    g_builtin.xUnpin(bounded.builtin, page, discard);
}

void rekeyPage(sqlite3_pcache* cache, sqlite3_pcache_page* page, unsigned old_key,
               unsigned new_key) {
    BoundedCache& bounded = cacheOf(cache);
    if (!bounded.moved_above.empty()) bounded.forget(page);
    if (new_key > bounded.highest_key) bounded.moved_above.emplace_back(page, new_key);
    g_builtin.xRekey(bounded.builtin, page, old_key, new_key);
}

void truncateCache(sqlite3_pcache* cache, unsigned limit) {
    BoundedCache& bounded = cacheOf(cache);
    // Nothing at or above `limit` can be in the cache: the built-in truncation would only
    // walk its hash table to drop nothing.
    if (!bounded.mayHoldFrom(limit)) return;
    g_builtin.xTruncate(bounded.builtin, limit);
    if (limit > 0 && bounded.highest_key >= limit) bounded.highest_key = limit - 1;
    std::erase_if(bounded.moved_above,
                  [limit](const auto& moved) { return moved.second >= limit; });
}

void destroyCache(sqlite3_pcache* cache) {
    BoundedCache* bounded = &cacheOf(cache);
    g_builtin.xDestroy(bounded->builtin);
    delete bounded;
}

void shrinkCache(sqlite3_pcache* cache) { g_builtin.xShrink(cacheOf(cache).builtin); }

bool install() {
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &g_builtin) != SQLITE_OK) return false;
    CG_ASSERT(g_builtin.xFetch != nullptr && g_builtin.xTruncate != nullptr,
              "SQLite hands out its built-in page cache");
    static const sqlite3_pcache_methods2 bounded{
        1,         nullptr,   initCaches, shutdownCaches, createCache,  setCacheSize, pageCount,
        fetchPage, unpinPage, rekeyPage,  truncateCache,  destroyCache, shrinkCache};
    // Refused (SQLITE_MISUSE) once SQLite is initialised: then the built-in cache stays.
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &bounded) == SQLITE_OK;
}

}  // namespace

bool SqlitePageCache::installOnce() {
    static std::once_flag once;
    static bool installed = false;
    std::call_once(once, [] { installed = install(); });
    return installed;
}

}  // namespace claimgate::gateway
