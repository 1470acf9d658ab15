// TransferLog: append-only, hash-chained, fsynced; verify() names the first broken link.
#include <claimgate/troad/transfer_log.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "troad_test_files.hpp"

#include <vector>

namespace claimgate::troad {
namespace {

using testing::readAll;
using testing::ScratchDir;
using testing::writeAll;

TransferEntry entry(int n) {
    return {"xid-" + std::to_string(n), "TW/GOV/PLATFORM/disburse/rosters", std::string(64, 'a'),
            std::string(64, static_cast<char>('0' + n))};
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        out.push_back(text.substr(start, end - start));
        start = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) {
        out += part + "\n";
    }
    return out;
}

class TransferLogTest : public ::testing::Test {
protected:
    void appendThree() {
        auto log = TransferLog::open(path_, [] { return std::int64_t{1'700'000'000'000}; });
        ASSERT_TRUE(log.ok()) << log.status().message();
        for (int i = 1; i <= 3; ++i) {
            ASSERT_TRUE((*log)->append(entry(i)).ok());
        }
    }

    ScratchDir dir_;
    std::string path_ = dir_.file("transfer.log");
};

TEST_F(TransferLogTest, RecordsChainFromGenesisAndVerify) {
    auto log = TransferLog::open(path_, [] { return std::int64_t{1'700'000'000'000}; });
    ASSERT_TRUE(log.ok());
    auto first = (*log)->append(entry(1));
    auto second = (*log)->append(entry(2));
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_EQ(first->seq, 1U);
    EXPECT_EQ(first->prev_hash, transferLogGenesisHash());
    EXPECT_EQ(second->prev_hash, first->hash);
    EXPECT_EQ(first->hash, TransferLog::computeHash(*first));
    EXPECT_EQ(first->time, "2023-11-14T22:13:20.000Z");

    const auto check = TransferLog::verify(path_);
    EXPECT_TRUE(check.ok) << check.reason;
    EXPECT_EQ(check.records, 2U);

    const auto record = nlohmann::json::parse(lines(readAll(path_))[0]);
    for (const char* field : {"seq", "time", "x_road_id", "service", "request_sha256",
                              "response_sha256", "prev_hash", "hash"}) {
        EXPECT_TRUE(record.contains(field)) << field;
    }
}

TEST_F(TransferLogTest, ReopeningContinuesTheChain) {
    appendThree();
    auto log = TransferLog::open(path_);
    ASSERT_TRUE(log.ok());
    EXPECT_EQ((*log)->lastSeq(), 3U);
    auto fourth = (*log)->append(entry(4));
    ASSERT_TRUE(fourth.ok());
    EXPECT_EQ(fourth->seq, 4U);
    EXPECT_TRUE(TransferLog::verify(path_).ok);
}

TEST_F(TransferLogTest, EditedRecordIsNamedAsFirstBrokenLink) {
    appendThree();
    auto parts = lines(readAll(path_));
    auto record = nlohmann::json::parse(parts[1]);
    record["response_sha256"] = std::string(64, 'f');
    parts[1] = record.dump();
    writeAll(path_, join(parts));

    const auto check = TransferLog::verify(path_);
    EXPECT_FALSE(check.ok);
    EXPECT_EQ(check.first_broken, 2U);
    EXPECT_EQ(check.records, 1U);
    EXPECT_NE(check.reason.find("hash"), std::string::npos);
}

TEST_F(TransferLogTest, RecomputedHashStillBreaksTheNextLink) {
    appendThree();
    auto parts = lines(readAll(path_));
    auto record = nlohmann::json::parse(parts[0]);
    TransferRecord edited;
    edited.seq = 1;
    edited.time = record["time"];
    edited.x_road_id = "forged";
    edited.service = record["service"];
    edited.request_sha256 = record["request_sha256"];
    edited.response_sha256 = record["response_sha256"];
    edited.prev_hash = record["prev_hash"];
    record["x_road_id"] = "forged";
    record["hash"] = TransferLog::computeHash(edited);
    parts[0] = record.dump();
    writeAll(path_, join(parts));

    const auto check = TransferLog::verify(path_);
    EXPECT_FALSE(check.ok);
    EXPECT_EQ(check.first_broken, 2U);
    EXPECT_NE(check.reason.find("prev_hash"), std::string::npos);
}

TEST_F(TransferLogTest, DeletedRecordIsDetected) {
    appendThree();
    auto parts = lines(readAll(path_));
    parts.erase(parts.begin() + 1);
    writeAll(path_, join(parts));
    const auto check = TransferLog::verify(path_);
    EXPECT_FALSE(check.ok);
    EXPECT_EQ(check.first_broken, 2U);
}

TEST_F(TransferLogTest, TornLastRecordIsDetectedAndOpenRefusesToExtendIt) {
    appendThree();
    std::string text = readAll(path_);
    text.resize(text.size() - 10);
    writeAll(path_, text);
    const auto check = TransferLog::verify(path_);
    EXPECT_FALSE(check.ok);
    EXPECT_EQ(check.first_broken, 3U);
    auto log = TransferLog::open(path_);
    ASSERT_FALSE(log.ok());
    EXPECT_NE(log.status().message().find("record 3"), std::string::npos);
}

TEST_F(TransferLogTest, MissingFileIsAnEmptyValidChain) {
    const auto check = TransferLog::verify(dir_.file("none.log"));
    EXPECT_TRUE(check.ok);
    EXPECT_EQ(check.records, 0U);
}

}  // namespace
}  // namespace claimgate::troad
