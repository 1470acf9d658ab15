// File: transfer_log.cpp
#include <claimgate/troad/transfer_log.hpp>

#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/time_format.hpp>
#include <claimgate/troad/troad_limits.hpp>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <vector>

namespace claimgate::troad {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

std::int64_t systemNowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

nlohmann::json canonicalJson(const TransferRecord& record) {
    return {{"seq", record.seq},
            {"time", record.time},
            {"x_road_id", record.x_road_id},
            {"service", record.service},
            {"request_sha256", record.request_sha256},
            {"response_sha256", record.response_sha256},
            {"prev_hash", record.prev_hash}};
}

bool readString(const nlohmann::json& object, const char* field, std::string& out) {
    const auto it = object.find(field);
    if (it == object.end() || !it->is_string()) {
        return false;
    }
    out = it->get<std::string>();
    return true;
}

/// Decodes one line; empty string on success, else what is wrong.
std::string decodeRecord(const std::string& line, TransferRecord& record) {
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) {
        return "not a JSON object";
    }
    const auto seq = json.find("seq");
    if (seq == json.end() || !seq->is_number_unsigned()) {
        return "seq missing or not an unsigned integer";
    }
    record.seq = seq->get<std::uint64_t>();
    for (const auto& [field, target] : {std::pair<const char*, std::string*>{"time", &record.time},
                                        {"x_road_id", &record.x_road_id},
                                        {"service", &record.service},
                                        {"request_sha256", &record.request_sha256},
                                        {"response_sha256", &record.response_sha256},
                                        {"prev_hash", &record.prev_hash},
                                        {"hash", &record.hash}}) {
        if (!readString(json, field, *target)) {
            return std::string(field) + " missing or not a string";
        }
    }
    if (json.size() != 8) {
        return "unexpected fields";
    }
    return {};
}

/// Walks the file; on success `last` holds the last record (seq 0 for an empty file).
TransferLogVerification walk(const std::string& path, TransferRecord& last) {
    TransferLogVerification result;
    last = TransferRecord{};
    last.hash = transferLogGenesisHash();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return result;  // no file yet: an empty, valid chain
    }
    std::vector<char> buffer(kTransferLogLineBytesMax + 2);
    std::uint64_t line_number = 0;
    auto fail = [&](std::string reason) {
        result.ok = false;
        result.first_broken = line_number;
        result.reason = std::move(reason);
        return result;
    };
    while (true) {
        in.getline(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto count = in.gcount();
        if (count == 0 && in.eof()) {
            break;
        }
        ++line_number;
        if (in.fail() && !in.eof()) {
            return fail("record longer than " + std::to_string(kTransferLogLineBytesMax) +
                        " bytes");
        }
        if (in.eof()) {
            // getline consumed no '\n': the last write was torn (crash mid-append).
            return fail("record not terminated by a newline (torn write)");
        }
        const std::string line(buffer.data());
        TransferRecord record;
        if (auto problem = decodeRecord(line, record); !problem.empty()) {
            return fail(problem);
        }
        if (record.seq != line_number) {
            return fail("seq " + std::to_string(record.seq) + " where " +
                        std::to_string(line_number) + " was expected");
        }
        if (record.prev_hash != last.hash) {
            return fail("prev_hash does not match the hash of the record before");
        }
        if (record.hash != TransferLog::computeHash(record)) {
            return fail("hash does not match the record's content");
        }
        last = std::move(record);
        result.records = line_number;
    }
    return result;
}

}  // namespace

const std::string& transferLogGenesisHash() {
    static const std::string genesis(64, '0');
    return genesis;
}

std::string TransferLog::computeHash(const TransferRecord& record) {
    const auto prev = protocols::fromHex(record.prev_hash);
    const std::string canonical = canonicalJson(record).dump();
    return protocols::toHex(
        protocols::sha256Concat(prev ? std::string_view(*prev) : record.prev_hash, canonical));
}

TransferLogVerification TransferLog::verify(const std::string& path) {
    TransferRecord last;
    return walk(path, last);
}

Result<std::shared_ptr<TransferLog>> TransferLog::open(const std::string& path, Clock clock) {
    TransferRecord last;
    const auto check = walk(path, last);
    if (!check.ok) {
        return Status{ErrorCode::internal,
                      "transfer log " + path + " is broken at record " +
                          std::to_string(check.first_broken) + ": " + check.reason,
                      {{"first_broken", check.first_broken}}};
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        return Status{ErrorCode::internal,
                      "cannot open transfer log " + path + ": " + std::strerror(errno)};
    }
    if (!clock) {
        clock = systemNowMillis;
    }
    return std::shared_ptr<TransferLog>(
        new TransferLog(path, fd, std::move(clock), last.seq, last.hash));
}

TransferLog::TransferLog(std::string path, int fd, Clock clock, std::uint64_t seq,
                         std::string last_hash)
    : path_(std::move(path)),
      fd_(fd),
      clock_(std::move(clock)),
      seq_(seq),
      last_hash_(std::move(last_hash)) {}

TransferLog::~TransferLog() { ::close(fd_); }

std::uint64_t TransferLog::lastSeq() const {
    const std::lock_guard lock(mutex_);
    return seq_;
}

Result<TransferRecord> TransferLog::append(const TransferEntry& entry) {
    const std::lock_guard lock(mutex_);
    if (broken_) {
        return Status{ErrorCode::internal,
                      "transfer log " + path_ + " had a failed write; reopen it to verify"};
    }
    TransferRecord record;
    record.seq = seq_ + 1;
    record.time = protocols::formatRfc3339Millis(clock_());
    record.x_road_id = entry.x_road_id;
    record.service = entry.service;
    record.request_sha256 = entry.request_sha256;
    record.response_sha256 = entry.response_sha256;
    record.prev_hash = last_hash_;
    record.hash = computeHash(record);
    nlohmann::json line = canonicalJson(record);
    line["hash"] = record.hash;
    std::string text = line.dump() + '\n';
    if (text.size() > kTransferLogLineBytesMax) {
        return Status{ErrorCode::bad_field, "transfer log record too long"};
    }
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            broken_ = true;
            return Status{ErrorCode::internal,
                          "cannot write transfer log " + path_ + ": " + std::strerror(errno)};
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd_) != 0) {
        broken_ = true;
        return Status{ErrorCode::internal,
                      "cannot fsync transfer log " + path_ + ": " + std::strerror(errno)};
    }
    seq_ = record.seq;
    last_hash_ = record.hash;
    return record;
}

}  // namespace claimgate::troad
