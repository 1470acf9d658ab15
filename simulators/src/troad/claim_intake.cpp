// File: claim_intake.cpp
#include "troad/claim_intake.hpp"

#include "troad/troad_sim_limits.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/error_code.hpp>
#include <claimgate/protocols/time_format.hpp>
#include <claimgate/troad/claim_batch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace claimgate::simulators::troad {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

IntakeAnswer errorAnswer(int http_status, const std::string& code, const std::string& message) {
    return {http_status, nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump()};
}

/// The answer to a batch the shared codec refused (the same rules the gateway encodes with).
IntakeAnswer refusal(const Status& status) {
    if (status.detail().is_object() && status.detail().value("plaintext", false)) {
        // A gateway must never send a plaintext ID over T-Road: refuse loudly.
        return errorAnswer(422, "plaintext_citizen_id", status.message());
    }
    return errorAnswer(protocols::httpStatusFor(status.code()),
                       std::string(protocols::errorCodeName(status.code())), status.message());
}

std::int64_t nowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Result<std::unique_ptr<ClaimIntake>> ClaimIntake::open(const std::string& state_dir) {
    std::error_code error;
    std::filesystem::create_directories(state_dir, error);
    if (error) {
        return Status{ErrorCode::internal,
                      "cannot create state dir " + state_dir + ": " + error.message()};
    }
    const std::string path = state_dir + "/claims.jsonl";
    std::map<std::string, Stored> batches;
    {
        std::ifstream in(path);
        std::string line;
        std::size_t line_number = 0;
        while (std::getline(in, line)) {
            ++line_number;
            const auto record = nlohmann::json::parse(line, nullptr, false);
            if (!record.is_object() || !record.contains("batch_id") ||
                !record.contains("batch_sha256") || !record.contains("answer")) {
                if (in.peek() == EOF) {
                    break;  // a torn last line: the batch was never acknowledged
                }
                return Status{ErrorCode::internal,
                              path + ":" + std::to_string(line_number) + ": unreadable record"};
            }
            if (batches.size() >= kBatchesMax) {
                return Status{ErrorCode::internal,
                              path + ": more than " + std::to_string(kBatchesMax) + " batches"};
            }
            batches[record["batch_id"].get<std::string>()] = {
                record["batch_sha256"].get<std::string>(), record["answer"].dump()};
        }
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        return Status{ErrorCode::internal, "cannot open " + path + ": " + std::strerror(errno)};
    }
    return std::unique_ptr<ClaimIntake>(new ClaimIntake(path, fd, std::move(batches)));
}

ClaimIntake::ClaimIntake(std::string path, int fd, std::map<std::string, Stored> batches)
    : path_(std::move(path)), fd_(fd), batches_(std::move(batches)) {}

ClaimIntake::~ClaimIntake() { ::close(fd_); }

std::size_t ClaimIntake::batchCount() const {
    const std::lock_guard lock(mutex_);
    return batches_.size();
}

IntakeAnswer ClaimIntake::submit(std::string_view body, const std::string& client,
                                 const std::string& x_road_id) {
    auto decoded = ::claimgate::troad::ClaimBatch::fromJson(body);
    if (!decoded) {
        return refusal(decoded.status());
    }
    const std::string& batch_id = decoded->batch_id;
    const std::string batch_sha256 = protocols::toHex(protocols::sha256(body));

    const std::lock_guard lock(mutex_);
    if (const auto it = batches_.find(batch_id); it != batches_.end()) {
        if (it->second.batch_sha256 == batch_sha256) {
            return {200, it->second.answer};
        }
        return errorAnswer(409, "idempotency_key_reused",
                           "batch_id " + batch_id + " was already used for a different batch");
    }
    if (batches_.size() >= kBatchesMax) {
        return errorAnswer(503, "overloaded", "claim intake is full");
    }
    ::claimgate::troad::ClaimBatchReceipt receipt;
    receipt.batch_id = batch_id;
    receipt.accepted = static_cast<std::int64_t>(decoded->claims.size());
    receipt.received_at = protocols::formatRfc3339Millis(nowMillis());
    receipt.batch_sha256 = batch_sha256;
    const nlohmann::json answer = nlohmann::json::parse(receipt.toJson());
    const nlohmann::json record = {{"batch_id", batch_id},
                                   {"batch_sha256", batch_sha256},
                                   {"received_at", receipt.received_at},
                                   {"client", client},
                                   {"x_road_id", x_road_id},
                                   {"answer", answer},
                                   {"batch", nlohmann::json::parse(body)}};
    const std::string line = record.dump() + "\n";
    std::size_t written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return errorAnswer(500, "internal", "cannot write claim state");
        }
        written += static_cast<std::size_t>(n);
    }
    // Acknowledged means durable: fsync before the answer leaves.
    if (::fsync(fd_) != 0) {
        return errorAnswer(500, "internal", "cannot fsync claim state");
    }
    batches_[batch_id] = {batch_sha256, answer.dump()};
    return {200, answer.dump()};
}

}  // namespace claimgate::simulators::troad
