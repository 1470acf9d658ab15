#include "sqlite_wal_batching_vfs.hpp"

#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/invariant.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

namespace claimgate::gateway {
namespace {

constexpr const char* kVfsName = "claimgate-wal-batching";

/// The VFS this one wraps (the platform default) and the one registered.
sqlite3_vfs* g_base = nullptr;
sqlite3_vfs g_vfs{};

/// Our file: SQLite allocates szOsFile bytes; the base VFS's file lives right after this.
struct BatchingFile {
    sqlite3_file base;  // first: SQLite sees a sqlite3_file*
    sqlite3_file* real;
    bool is_wal;
    /// Collected writes: bytes [pending_offset, pending_offset + pending->size()) of the file.
    std::vector<char>* pending;
    sqlite3_int64 pending_offset;
    /// The thread that last added to `pending`. SQLite writes a commit's frames and publishes
    /// them (xShmBarrier, on the database file) within one call on one thread, so a barrier
    /// writes out the WAL files its own thread filled, and never touches another thread's.
    /// Atomic: a barrier on another thread reads it while this file's thread may set it.
    std::atomic<std::thread::id> filler;
};

/// WAL files with collected bytes. Changed once when a run of writes starts and once when it
/// is written out, not per write.
std::mutex g_pending_mutex;
std::vector<BatchingFile*> g_files_with_pending;

BatchingFile& fileOf(sqlite3_file* file) { return *reinterpret_cast<BatchingFile*>(file); }

bool hasPending(const BatchingFile& file) {
    return file.pending != nullptr && !file.pending->empty();
}

/// The default VFS writes at most 128 KiB - 1 bytes per call (its unixWrite masks the length
/// with 0x1ffff: SQLite itself never writes more than a page), so a run goes out in pieces.
constexpr std::size_t kWriteCallMaxBytes = 31 * 4096;

int writeOut(BatchingFile& file) {
    if (!hasPending(file)) return SQLITE_OK;
    int code = SQLITE_OK;
    for (std::size_t done = 0; done < file.pending->size() && code == SQLITE_OK;) {
        const std::size_t piece = std::min(kWriteCallMaxBytes, file.pending->size() - done);
        code = file.real->pMethods->xWrite(file.real, file.pending->data() + done,
                                           static_cast<int>(piece),
                                           file.pending_offset + static_cast<sqlite3_int64>(done));
        done += piece;
    }
    file.pending->clear();
    const std::lock_guard lock(g_pending_mutex);
    std::erase(g_files_with_pending, &file);
    return code;
}

bool overlapsPending(const BatchingFile& file, sqlite3_int64 offset, sqlite3_int64 amount) {
    if (!hasPending(file)) return false;
    const sqlite3_int64 pending_end =
        file.pending_offset + static_cast<sqlite3_int64>(file.pending->size());
    return offset < pending_end && file.pending_offset < offset + amount;
}

// --- io methods ------------------------------------------------------------------------------

int fileClose(sqlite3_file* handle) {
    BatchingFile& file = fileOf(handle);
    int code = writeOut(file);
    delete file.pending;  // allocated in fileWrite; SQLite owns the struct around it
    file.pending = nullptr;
    const int closed = file.real->pMethods->xClose(file.real);
    return code != SQLITE_OK ? code : closed;
}

int fileRead(sqlite3_file* handle, void* buffer, int amount, sqlite3_int64 offset) {
    BatchingFile& file = fileOf(handle);
    if (overlapsPending(file, offset, amount)) {
        if (const int code = writeOut(file); code != SQLITE_OK) return code;
    }
    return file.real->pMethods->xRead(file.real, buffer, amount, offset);
}

int fileWrite(sqlite3_file* handle, const void* data, int amount, sqlite3_int64 offset) {
    BatchingFile& file = fileOf(handle);
    if (!file.is_wal || amount <= 0) {
        return file.real->pMethods->xWrite(file.real, data, amount, offset);
    }
    const bool continues =
        hasPending(file) &&
        offset == file.pending_offset + static_cast<sqlite3_int64>(file.pending->size());
    if (hasPending(file) && (!continues || file.pending->size() + static_cast<std::size_t>(amount) >
                                               kWalWriteBatchMaxBytes)) {
        if (const int code = writeOut(file); code != SQLITE_OK) return code;
    }
    if (static_cast<std::size_t>(amount) >= kWalWriteBatchMaxBytes) {
        return file.real->pMethods->xWrite(file.real, data, amount, offset);
    }
    if (file.pending == nullptr) {
        // No exception may cross SQLite's C frames: without memory, write directly.
        try {
            auto collected = std::make_unique<std::vector<char>>();
            collected->reserve(kWalWriteBatchMaxBytes);  // never reallocated after this
            file.pending = collected.release();
        } catch (const std::bad_alloc&) {
            return file.real->pMethods->xWrite(file.real, data, amount, offset);
        }
    }
    // Named before the file is listed, so a barrier never takes another thread's run.
    file.filler.store(std::this_thread::get_id(), std::memory_order_relaxed);
    if (file.pending->empty()) {
        file.pending_offset = offset;
        const std::lock_guard lock(g_pending_mutex);
        g_files_with_pending.push_back(&file);
    }
    const auto* bytes = static_cast<const char*>(data);
    file.pending->insert(file.pending->end(), bytes, bytes + amount);
    return SQLITE_OK;
}

int fileTruncate(sqlite3_file* handle, sqlite3_int64 size) {
    BatchingFile& file = fileOf(handle);
    if (const int code = writeOut(file); code != SQLITE_OK) return code;
    return file.real->pMethods->xTruncate(file.real, size);
}

int fileSync(sqlite3_file* handle, int flags) {
    BatchingFile& file = fileOf(handle);
    if (const int code = writeOut(file); code != SQLITE_OK) return code;
    return file.real->pMethods->xSync(file.real, flags);
}

int fileSize(sqlite3_file* handle, sqlite3_int64* size) {
    BatchingFile& file = fileOf(handle);
    if (const int code = writeOut(file); code != SQLITE_OK) return code;
    return file.real->pMethods->xFileSize(file.real, size);
}

int fileLock(sqlite3_file* handle, int level) {
    return fileOf(handle).real->pMethods->xLock(fileOf(handle).real, level);
}
// Unlock and file controls write out first too. SQLite never locks a WAL file through xLock and
// sends it few file controls, so on the hot path this is a check; and a file control that
// resizes or reads the file (a size hint with a chunk size set) then sees every byte.
int fileUnlock(sqlite3_file* handle, int level) {
    BatchingFile& file = fileOf(handle);
    if (const int code = writeOut(file); code != SQLITE_OK) return code;
    return file.real->pMethods->xUnlock(file.real, level);
}
int fileCheckReservedLock(sqlite3_file* handle, int* out) {
    return fileOf(handle).real->pMethods->xCheckReservedLock(fileOf(handle).real, out);
}
int fileControl(sqlite3_file* handle, int op, void* arg) {
    BatchingFile& file = fileOf(handle);
    if (const int code = writeOut(file); code != SQLITE_OK) return code;
    return file.real->pMethods->xFileControl(file.real, op, arg);
}
int fileSectorSize(sqlite3_file* handle) {
    return fileOf(handle).real->pMethods->xSectorSize(fileOf(handle).real);
}
int fileDeviceCharacteristics(sqlite3_file* handle) {
    return fileOf(handle).real->pMethods->xDeviceCharacteristics(fileOf(handle).real);
}
int fileShmMap(sqlite3_file* handle, int region, int size, int extend, void volatile** out) {
    return fileOf(handle).real->pMethods->xShmMap(fileOf(handle).real, region, size, extend, out);
}
int fileShmLock(sqlite3_file* handle, int offset, int n, int flags) {
    return fileOf(handle).real->pMethods->xShmLock(fileOf(handle).real, offset, n, flags);
}
void fileShmBarrier(sqlite3_file* handle) {
    // SQLite is about to publish frames in the WAL index: they must be in the file first.
    // Under synchronous=FULL the WAL's sync already wrote them and this finds nothing.
    for (;;) {
        BatchingFile* ours = nullptr;
        {
            const std::lock_guard lock(g_pending_mutex);
            for (BatchingFile* file : g_files_with_pending) {
                if (file->filler.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
                    ours = file;
                    break;
                }
            }
        }
        if (ours == nullptr) break;
        const int code = writeOut(*ours);  // also takes it off the list
        // A barrier cannot fail: publishing frames that are not in the file would corrupt
        // the ledger for every reader, so stop instead.
        CG_ASSERT(code == SQLITE_OK, "WAL frames are written before they are published");
    }
    fileOf(handle).real->pMethods->xShmBarrier(fileOf(handle).real);
}
int fileShmUnmap(sqlite3_file* handle, int delete_flag) {
    return fileOf(handle).real->pMethods->xShmUnmap(fileOf(handle).real, delete_flag);
}
int fileFetch(sqlite3_file* handle, sqlite3_int64 offset, int amount, void** out) {
    BatchingFile& file = fileOf(handle);
    if (overlapsPending(file, offset, amount)) {
        if (const int code = writeOut(file); code != SQLITE_OK) return code;
    }
    return file.real->pMethods->xFetch(file.real, offset, amount, out);
}
int fileUnfetch(sqlite3_file* handle, sqlite3_int64 offset, void* page) {
    return fileOf(handle).real->pMethods->xUnfetch(fileOf(handle).real, offset, page);
}

const sqlite3_io_methods kIoMethods = {3,
                                       fileClose,
                                       fileRead,
                                       fileWrite,
                                       fileTruncate,
                                       fileSync,
                                       fileSize,
                                       fileLock,
                                       fileUnlock,
                                       fileCheckReservedLock,
                                       fileControl,
                                       fileSectorSize,
                                       fileDeviceCharacteristics,
                                       fileShmMap,
                                       fileShmLock,
                                       fileShmBarrier,
                                       fileShmUnmap,
                                       fileFetch,
                                       fileUnfetch};

// --- vfs methods -----------------------------------------------------------------------------

int vfsOpen(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* handle, int flags,
            int* out_flags) {
    BatchingFile& file = fileOf(handle);
    file.base.pMethods = nullptr;
    file.real = reinterpret_cast<sqlite3_file*>(&file + 1);
    file.is_wal = (flags & SQLITE_OPEN_WAL) != 0;
    file.pending = nullptr;
    file.pending_offset = 0;
    new (&file.filler) std::atomic<std::thread::id>();
    const int code = g_base->xOpen(g_base, name, file.real, flags, out_flags);
    // SQLite calls xClose only when pMethods is set; the base VFS sets its own the same way.
    if (file.real->pMethods != nullptr) file.base.pMethods = &kIoMethods;
    return code;
}
int vfsDelete(sqlite3_vfs*, const char* name, int sync_dir) {
    return g_base->xDelete(g_base, name, sync_dir);
}
int vfsAccess(sqlite3_vfs*, const char* name, int flags, int* out) {
    return g_base->xAccess(g_base, name, flags, out);
}
int vfsFullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
    return g_base->xFullPathname(g_base, name, size, out);
}
void* vfsDlOpen(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void vfsDlError(sqlite3_vfs*, int size, char* out) { g_base->xDlError(g_base, size, out); }
void (*vfsDlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
    return g_base->xDlSym(g_base, handle, symbol);
}
void vfsDlClose(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int vfsRandomness(sqlite3_vfs*, int size, char* out) {
    return g_base->xRandomness(g_base, size, out);
}
int vfsSleep(sqlite3_vfs*, int micros) { return g_base->xSleep(g_base, micros); }
int vfsCurrentTime(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int vfsGetLastError(sqlite3_vfs*, int size, char* out) {
    return g_base->xGetLastError(g_base, size, out);
}
int vfsCurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
    return g_base->xCurrentTimeInt64(g_base, out);
}

bool registerVfs() {
    g_base = sqlite3_vfs_find(nullptr);
    if (g_base == nullptr || g_base->iVersion < 2 || g_base->xCurrentTimeInt64 == nullptr) {
        return false;
    }
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = static_cast<int>(sizeof(BatchingFile)) + g_base->szOsFile;
    g_vfs.mxPathname = g_base->mxPathname;
    g_vfs.zName = kVfsName;
    g_vfs.xOpen = vfsOpen;
    g_vfs.xDelete = vfsDelete;
    g_vfs.xAccess = vfsAccess;
    g_vfs.xFullPathname = vfsFullPathname;
    g_vfs.xDlOpen = vfsDlOpen;
    g_vfs.xDlError = vfsDlError;
    g_vfs.xDlSym = vfsDlSym;
    g_vfs.xDlClose = vfsDlClose;
    g_vfs.xRandomness = vfsRandomness;
    g_vfs.xSleep = vfsSleep;
    g_vfs.xCurrentTime = vfsCurrentTime;
    g_vfs.xGetLastError = vfsGetLastError;
    g_vfs.xCurrentTimeInt64 = vfsCurrentTimeInt64;
    return sqlite3_vfs_register(&g_vfs, 0) == SQLITE_OK;
}

}  // namespace

const char* SqliteWalBatchingVfs::name() {
    static std::once_flag once;
    static bool registered = false;
    std::call_once(once, [] { registered = registerVfs(); });
    return registered ? kVfsName : nullptr;
}

}  // namespace claimgate::gateway
