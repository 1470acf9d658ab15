// File: claim_intake.cpp
#include "troad/claim_intake.hpp"

#include "troad/troad_sim_limits.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/time_format.hpp>

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

bool isLowerHex64(const std::string& text) {
    if (text.size() != 64) {
        return false;
    }
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

/// Empty if the batch is acceptable, else {status, code, message}.
std::optional<IntakeAnswer> validateBatch(const nlohmann::json& batch) {
    if (!batch.is_object()) {
        return errorAnswer(400, "malformed_json", "batch must be a JSON object");
    }
    const auto* batch_id = batch.contains("batch_id")
                               ? batch.at("batch_id").get_ptr<const std::string*>()
                               : nullptr;
    if (batch_id == nullptr || !protocols::isValidIdempotencyKey(*batch_id)) {
        return errorAnswer(400, "bad_field", "batch_id must be 1..64 of [A-Za-z0-9._:-]");
    }
    const auto* gateway_id = batch.contains("gateway_id")
                                 ? batch.at("gateway_id").get_ptr<const std::string*>()
                                 : nullptr;
    if (gateway_id == nullptr || !protocols::isValidIdempotencyKey(*gateway_id)) {
        return errorAnswer(400, "bad_field", "gateway_id must be 1..64 of [A-Za-z0-9._:-]");
    }
    if (!batch.contains("claims") || !batch.at("claims").is_array()) {
        return errorAnswer(400, "missing_field", "claims must be an array");
    }
    const auto& claims = batch.at("claims").get_ref<const nlohmann::json::array_t&>();
    if (claims.empty() || claims.size() > kClaimBatchClaimsMax) {
        return errorAnswer(413, "body_too_large",
                           "a batch holds 1.." + std::to_string(kClaimBatchClaimsMax) + " claims");
    }
    for (std::size_t i = 0; i < claims.size(); ++i) {
        const auto& claim = claims[i];
        const std::string where = "claims[" + std::to_string(i) + "]";
        if (!claim.is_object()) {
            return errorAnswer(400, "bad_field", where + " must be an object");
        }
        // A gateway must never send a plaintext ID over T-Road: refuse loudly.
        if (claim.contains("citizen_id")) {
            return errorAnswer(422, "plaintext_citizen_id",
                               where + " carries citizen_id; send citizen_key only");
        }
        const auto* key = claim.contains("citizen_key")
                              ? claim.at("citizen_key").get_ptr<const std::string*>()
                              : nullptr;
        if (key == nullptr || !isLowerHex64(*key)) {
            return errorAnswer(400, "bad_field", where + ".citizen_key must be 64 lower-case hex");
        }
        for (const char* field : {"claim_id", "program", "channel", "status"}) {
            const auto* text = claim.contains(field) ? claim.at(field).get_ptr<const std::string*>()
                                                     : nullptr;
            if (text == nullptr || text->empty()) {
                return errorAnswer(400, "missing_field", where + "." + field + " is required");
            }
        }
        if (!claim.contains("amount") || !claim.at("amount").is_number_integer()) {
            return errorAnswer(400, "bad_field", where + ".amount must be an integer");
        }
    }
    return std::nullopt;
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
                return Status{ErrorCode::internal, path + ": more than " +
                                                       std::to_string(kBatchesMax) + " batches"};
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

ClaimIntake::~ClaimIntake() {
    ::close(fd_);
}

std::size_t ClaimIntake::batchCount() const {
    const std::lock_guard lock(mutex_);
    return batches_.size();
}

IntakeAnswer ClaimIntake::submit(std::string_view body, const std::string& client,
                                 const std::string& x_road_id) {
    const auto batch = nlohmann::json::parse(body, nullptr, false);
    if (batch.is_discarded()) {
        return errorAnswer(400, "malformed_json", "batch is not valid JSON");
    }
    if (auto problem = validateBatch(batch)) {
        return *problem;
    }
    const std::string batch_id = batch["batch_id"].get<std::string>();
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
    const nlohmann::json answer = {
        {"batch_id", batch_id},
        {"accepted", batch["claims"].size()},
        {"received_at", protocols::formatRfc3339Millis(nowMillis())},
        {"batch_sha256", batch_sha256}};
    const nlohmann::json record = {{"batch_id", batch_id},     {"batch_sha256", batch_sha256},
                                   {"received_at", answer["received_at"]},
                                   {"client", client},         {"x_road_id", x_road_id},
                                   {"answer", answer},         {"batch", batch}};
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
