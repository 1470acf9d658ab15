#include <claimgate/gateway/index_snapshot.hpp>

#include <claimgate/gateway/limits.hpp>

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

constexpr char kMagic[8] = {'C', 'G', 'I', 'D', 'X', 'S', 'N', '1'};
constexpr std::uint32_t kFormat = 1;
constexpr std::size_t kIoBufferBytes = 4 << 20;
constexpr std::size_t kDigestBytes = 32;

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};
struct DigestFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;
using DigestPtr = std::unique_ptr<EVP_MD_CTX, DigestFree>;

DigestPtr newDigest() {
    DigestPtr context(EVP_MD_CTX_new());
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("sha256 init failed");
    }
    return context;
}

/// Buffered writer that hashes everything it writes.
class Writer {
public:
    explicit Writer(std::FILE* file) : file_(file), digest_(newDigest()) {
        buffer_.reserve(kIoBufferBytes);
    }
    void bytes(const void* data, std::size_t size) {
        const auto* at = static_cast<const char*>(data);
        buffer_.insert(buffer_.end(), at, at + size);
        if (buffer_.size() >= kIoBufferBytes) flush();
    }
    void u64(std::uint64_t value) { bytes(&value, sizeof value); }
    void text(const std::string& value) {
        u64(value.size());
        bytes(value.data(), value.size());
    }
    bool finish() {
        flush();
        unsigned char digest[kDigestBytes];
        unsigned int length = 0;
        EVP_DigestFinal_ex(digest_.get(), digest, &length);
        ok_ = ok_ && std::fwrite(digest, 1, sizeof digest, file_) == sizeof digest;
        return ok_ && std::fflush(file_) == 0;
    }

private:
    void flush() {
        EVP_DigestUpdate(digest_.get(), buffer_.data(), buffer_.size());
        ok_ = ok_ && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) == buffer_.size();
        buffer_.clear();
    }
    std::FILE* file_;
    DigestPtr digest_;
    std::vector<char> buffer_;
    bool ok_ = true;
};

/// Reader that hashes everything it reads; a short read sets failed().
class Reader {
public:
    explicit Reader(std::FILE* file) : file_(file), digest_(newDigest()) {}
    void bytes(void* data, std::size_t size) {
        if (failed_ || std::fread(data, 1, size, file_) != size) {
            failed_ = true;
            std::memset(data, 0, size);
            return;
        }
        EVP_DigestUpdate(digest_.get(), data, size);
    }
    std::uint64_t u64() {
        std::uint64_t value = 0;
        bytes(&value, sizeof value);
        return value;
    }
    std::string text(std::size_t length_max) {
        const std::uint64_t length = u64();
        if (length > length_max) failed_ = true;
        if (failed_) return {};
        std::string value(length, '\0');
        bytes(value.data(), value.size());
        return value;
    }
    /// True if the stored digest matches everything read so far and nothing follows it.
    bool verified() {
        unsigned char expected[kDigestBytes];
        unsigned char stored[kDigestBytes];
        unsigned int length = 0;
        EVP_DigestFinal_ex(digest_.get(), expected, &length);
        if (failed_ || std::fread(stored, 1, sizeof stored, file_) != sizeof stored) return false;
        return std::memcmp(expected, stored, sizeof stored) == 0 && std::fgetc(file_) == EOF;
    }
    [[nodiscard]] bool failed() const { return failed_; }
    void fail() { failed_ = true; }

private:
    std::FILE* file_;
    DigestPtr digest_;
    bool failed_ = false;
};

}  // namespace

Status IndexSnapshot::write(const std::string& path, const EligibilityIndex& index,
                            std::int64_t version) {
    const std::string temporary = path + ".tmp";
    FilePtr file(std::fopen(temporary.c_str(), "wb"));
    if (!file) return Status(ErrorCode::internal, "cannot write " + temporary);
    Writer out(file.get());
    out.bytes(kMagic, sizeof kMagic);
    out.u64(kFormat);
    out.u64(static_cast<std::uint64_t>(version));
    const auto programs = index.programIndexes();
    out.u64(programs.size());
    std::vector<std::uint64_t> words;
    for (const auto& program : programs) {
        out.text(program->program().id);
        out.u64(program->slots_.size());
        out.u64(program->entries_max_);
        out.u64(program->size());
        out.u64(program->proxies_used_);
        const std::size_t reasons = program->reasons_count_.load();
        out.u64(reasons);
        for (std::size_t i = 0; i < reasons; ++i) out.text(program->reasons_[i]);
        words.clear();
        for (const auto& slot : program->slots_) {
            words.push_back(slot.key_low.load(std::memory_order_acquire));
            words.push_back(slot.key_high.load(std::memory_order_acquire));
            words.push_back(slot.nhi_tag.load(std::memory_order_relaxed));
            words.push_back(
                slot.amount.load(std::memory_order_relaxed) |
                (std::uint64_t{slot.proxies_offset.load(std::memory_order_relaxed)} << 32));
            // The roster part only: claim states come from the ledger at start.
            words.push_back(slot.state.load(std::memory_order_relaxed) & ProgramIndex::kFixedMask);
            if (words.size() >= kIoBufferBytes / 8) {
                out.bytes(words.data(), words.size() * 8);
                words.clear();
            }
        }
        out.bytes(words.data(), words.size() * 8);
        for (std::size_t i = 1; i < program->proxies_used_; ++i) {
            const IndexKey key = program->proxyAt(i);
            out.bytes(key.data(), key.size());
        }
    }
    if (!out.finish() || ::fsync(::fileno(file.get())) != 0) {
        return Status(ErrorCode::internal, "cannot write " + temporary);
    }
    file.reset();
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        return Status(ErrorCode::internal, "cannot rename " + temporary);
    }
    return Status::okStatus();
}

protocols::Result<IndexSnapshot::Loaded> IndexSnapshot::read(
    const std::string& path, const std::vector<protocols::Program>& programs) {
    FilePtr file(std::fopen(path.c_str(), "rb"));
    if (!file) return Status(ErrorCode::not_found, "no index snapshot at " + path);
    std::vector<char> buffer(kIoBufferBytes);
    std::setvbuf(file.get(), buffer.data(), _IOFBF, buffer.size());
    Reader in(file.get());
    char magic[sizeof kMagic];
    in.bytes(magic, sizeof magic);
    if (in.failed() || std::memcmp(magic, kMagic, sizeof kMagic) != 0 || in.u64() != kFormat) {
        return Status(ErrorCode::bad_field, path + " is not an index snapshot of this format");
    }
    Loaded loaded;
    loaded.version = static_cast<std::int64_t>(in.u64());
    const std::uint64_t count = in.u64();
    if (count != programs.size()) {
        return Status(ErrorCode::bad_field, path + " was taken for another set of programs");
    }
    std::vector<std::uint64_t> words;
    for (std::uint64_t p = 0; p < count && !in.failed(); ++p) {
        const std::string id = in.text(protocols::kProgramIdLengthMax);
        const protocols::Program* definition = nullptr;
        for (const auto& program : programs) {
            if (program.id == id) definition = &program;
        }
        if (definition == nullptr) {
            return Status(ErrorCode::bad_field, path + " was taken for another set of programs");
        }
        const std::uint64_t capacity = in.u64();
        const std::uint64_t entries_max = in.u64();
        const std::uint64_t size = in.u64();
        const std::uint64_t proxies_used = in.u64();
        const std::uint64_t reasons = in.u64();
        if (in.failed() || capacity > kIndexEntriesMax || entries_max >= capacity ||
            size > entries_max || proxies_used == 0 ||
            proxies_used > ProgramIndex::kProxyChunksMax * ProgramIndex::kProxyChunkKeys ||
            reasons == 0 || reasons > ProgramIndex::kReasonsMax) {
            in.fail();
            break;
        }
        // The constructor sizes the table from the entry count; a snapshot's table is taken
        // over exactly, so build with the right capacity first.
        auto index = std::make_shared<ProgramIndex>(*definition, 0);
        index->slots_ = ProgramIndex::SlotTable(capacity);
        index->entries_max_ = entries_max;
        index->size_.store(size);
        for (std::uint64_t i = 0; i < reasons; ++i) {
            index->reasons_[i] = in.text(protocols::kReasonLengthMax);
        }
        index->reasons_count_.store(reasons);
        words.resize(5 * 4096);
        for (std::uint64_t at = 0; at < capacity && !in.failed(); at += 4096) {
            const std::uint64_t slots = std::min<std::uint64_t>(4096, capacity - at);
            in.bytes(words.data(), slots * 5 * 8);
            for (std::uint64_t i = 0; i < slots; ++i) {
                auto& slot = index->slots_[at + i];
                const std::uint64_t* word = &words[5 * i];
                slot.key_low.store(word[0], std::memory_order_relaxed);
                slot.key_high.store(word[1], std::memory_order_relaxed);
                slot.nhi_tag.store(word[2], std::memory_order_relaxed);
                slot.amount.store(static_cast<std::uint32_t>(word[3]), std::memory_order_relaxed);
                const auto offset = static_cast<std::uint32_t>(word[3] >> 32);
                if (offset >= proxies_used) in.fail();
                slot.proxies_offset.store(offset, std::memory_order_relaxed);
                slot.state.store(word[4] & ProgramIndex::kFixedMask, std::memory_order_relaxed);
            }
        }
        for (std::uint64_t i = 1; i < proxies_used && !in.failed(); ++i) {
            IndexKey key{};
            in.bytes(key.data(), key.size());
            RosterRow row;
            std::memcpy(row.proxies.emplace_back().data(), key.data(), key.size());
            index->appendProxies(row, 1);
        }
        loaded.programs.emplace(id, std::move(index));
    }
    if (in.failed() || !in.verified()) {
        return Status(ErrorCode::bad_field, path + " is damaged (checksum or bounds)");
    }
    return loaded;
}

}  // namespace claimgate::gateway
