// The store-and-forward journal: rows are durable before send, replayed on reopen, bounded.
#include "journal.hpp"

#include "sdk_limits.hpp"
#include "temp_dir.hpp"
#include "test_sealer.hpp"

#include <claimgate/protocols/citizen_id.hpp>

#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace claimgate::sdk {
namespace {

using ::claimgate::testing::TempDir;

TEST(JournalTest, AppendedRowIsInFlightUntilReleased) {
    TempDir dir;
    auto journal = Journal::open(dir.file("j.db"), "atm-0001", testing::testSealer());
    ASSERT_TRUE(journal.ok()) << journal.status().message();
    auto id =
        (*journal)->append(AdviceKind::commit, "atm-0001:k1", "c_1", "/v1/claims/c_1/commit", "{}");
    ASSERT_TRUE(id.ok());
    EXPECT_EQ((*journal)->count(), 1);
    auto due = (*journal)->due(Journal::nowMs() + 1000, 10);
    ASSERT_TRUE(due.ok());
    EXPECT_TRUE(due->empty()) << "an in-flight row must not be handed to the sender";
    ASSERT_TRUE((*journal)->reschedule(*id, 1, 0, "no answer").ok());
    due = (*journal)->due(Journal::nowMs(), 10);
    ASSERT_TRUE(due.ok());
    ASSERT_EQ(due->size(), 1U);
    EXPECT_EQ(due->front().idempotency_key, "atm-0001:k1");
    EXPECT_EQ(due->front().attempts, 1);
    EXPECT_EQ(due->front().kind, AdviceKind::commit);
}

std::string fileBytes(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << file.rdbuf();
    return bytes.str();
}

// Issue 11: the one body that names a citizen (a reserve kept for its reversal) is sealed at
// rest, the files are owner-only, and an emptied journal leaves an empty WAL.
TEST(JournalTest, ReserveBodyIsSealedAtRestFilesAreOwnerOnlyAndWalTruncatedWhenEmpty) {
    TempDir dir;
    const std::string path = dir.file("j.db");
    const std::string body = R"({"citizen_id":"A123456789","nhi_card_no":"000012345678"})";
    {
        auto journal = Journal::open(path, "atm-0001", testing::testSealer());
        ASSERT_TRUE(journal.ok()) << journal.status().message();
        auto id = (*journal)->append(AdviceKind::reserve, "atm-0001:k1", "", "/v1/claims", body);
        ASSERT_TRUE(id.ok());
        (*journal)->release(*id);
        for (const char* suffix : {"", "-wal"}) {
            const std::string bytes = fileBytes(path + suffix);
            EXPECT_EQ(bytes.find("A123456789"), std::string::npos) << suffix;
            EXPECT_EQ(bytes.find("000012345678"), std::string::npos) << suffix;
            struct stat info {};
            ASSERT_EQ(::stat((path + suffix).c_str(), &info), 0);
            EXPECT_EQ(info.st_mode & 0777, 0600U) << suffix;
        }
        auto due = (*journal)->due(Journal::nowMs(), 10);
        ASSERT_TRUE(due.ok());
        ASSERT_EQ(due->size(), 1U);
        EXPECT_EQ(due->front().body, body) << "the sender gets the plaintext to replay";
        EXPECT_FALSE(due->front().body_unreadable);
    }
    {
        // Another terminal key cannot open it: the row is flagged, never sent as garbage.
        std::array<unsigned char, JournalSealer::kKeyBytes> other{};
        auto journal = Journal::open(path, "atm-0001", JournalSealer(other));
        ASSERT_TRUE(journal.ok());
        auto due = (*journal)->due(Journal::nowMs(), 10);
        ASSERT_TRUE(due.ok());
        ASSERT_EQ(due->size(), 1U);
        EXPECT_TRUE(due->front().body_unreadable);
        EXPECT_TRUE(due->front().body.empty());
        ASSERT_TRUE((*journal)->remove(due->front().id).ok());
        EXPECT_EQ(fileBytes(path + "-wal").size(), 0U) << "checkpointed and truncated";
    }
}

TEST(JournalTest, RowSurvivesReopenAndIsDueAtOnce) {
    TempDir dir;
    {
        auto journal = Journal::open(dir.file("j.db"), "atm-0001", testing::testSealer());
        ASSERT_TRUE(journal.ok());
        auto id = (*journal)->append(AdviceKind::void_, "atm-0001:k2", "c_2", "/v1/claims/c_2/void",
                                     R"({"reason":"x"})");
        ASSERT_TRUE(id.ok());
        ASSERT_TRUE((*journal)->reschedule(*id, 5, Journal::nowMs() + 3'600'000, "down").ok());
    }
    auto journal = Journal::open(dir.file("j.db"), "atm-0001", testing::testSealer());
    ASSERT_TRUE(journal.ok());
    EXPECT_EQ((*journal)->count(), 1);
    auto due = (*journal)->due(Journal::nowMs(), 10);
    ASSERT_TRUE(due.ok());
    ASSERT_EQ(due->size(), 1U) << "replay on open makes earlier rows due now";
    EXPECT_EQ(due->front().kind, AdviceKind::void_);
    EXPECT_EQ(due->front().body, R"({"reason":"x"})");
}

TEST(JournalTest, RemoveDeletesRow) {
    TempDir dir;
    auto journal = Journal::open(dir.file("j.db"), "t", testing::testSealer());
    ASSERT_TRUE(journal.ok());
    auto id = (*journal)->append(AdviceKind::commit, "t:1", "c", "/p", "{}");
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE((*journal)->remove(*id).ok());
    EXPECT_EQ((*journal)->count(), 0);
}

TEST(JournalTest, JournalIsSynchronousFullWal) {
    TempDir dir;
    auto journal = Journal::open(dir.file("j.db"), "t", testing::testSealer());
    ASSERT_TRUE(journal.ok());
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file("j.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

TEST(JournalTest, IdempotencyKeysAreValidAndUnique) {
    TempDir dir;
    auto journal =
        Journal::open(dir.file("j.db"), "a-terminal id with spaces and far too long for a key",
                      testing::testSealer());
    ASSERT_TRUE(journal.ok());
    const std::string a = (*journal)->newIdempotencyKey();
    const std::string b = (*journal)->newIdempotencyKey();
    EXPECT_NE(a, b);
    EXPECT_TRUE(protocols::isValidIdempotencyKey(a)) << a;
    EXPECT_LE(a.size(), 64U);
}

TEST(JournalTest, FullJournalRefusesWithClearError) {
    TempDir dir;
    auto journal = Journal::open(dir.file("j.db"), "t", testing::testSealer());
    ASSERT_TRUE(journal.ok());
    // Filling 10,000 rows one fsync at a time is slow; bulk-insert through a side connection in
    // one transaction, then reopen so the count is read from disk.
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(dir.file("j.db").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
        for (std::int64_t i = 0; i < kJournalEntriesMax; ++i) {
            const std::string sql =
                "INSERT INTO advices (kind, idempotency_key, claim_id, path, body,"
                " next_attempt_ms, created_ms) VALUES ('commit', 'k" +
                std::to_string(i) + "', 'c', '/p', '{}', 0, 0)";
            ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        }
        ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    journal = Journal::open(dir.file("j.db"), "t", testing::testSealer());
    ASSERT_TRUE(journal.ok());
    EXPECT_EQ((*journal)->count(), kJournalEntriesMax);
    auto id = (*journal)->append(AdviceKind::commit, "t:x", "c", "/p", "{}");
    ASSERT_FALSE(id.ok());
    EXPECT_EQ(id.status().code(), protocols::ErrorCode::overloaded);
    EXPECT_NE(id.status().message().find("journal full"), std::string::npos);
}

TEST(JournalTest, UnwritablePathIsAClearError) {
    auto journal = Journal::open("/nonexistent-dir/for/sure/j.db", "t", testing::testSealer());
    ASSERT_FALSE(journal.ok());
    EXPECT_NE(journal.status().message().find("/nonexistent-dir"), std::string::npos);
}

TEST(JournalTest, ConvertToVoidKeepsRowWithNewKey) {
    TempDir dir;
    auto journal = Journal::open(dir.file("j.db"), "t", testing::testSealer());
    ASSERT_TRUE(journal.ok());
    auto id = (*journal)->append(AdviceKind::reserve, "t:r", "", "/v1/claims", "{}");
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE((*journal)->convertToVoid(*id, "c_9", "t:v", "/v1/claims/c_9/void", "{}").ok());
    (*journal)->release(*id);
    auto due = (*journal)->due(Journal::nowMs(), 10);
    ASSERT_TRUE(due.ok());
    ASSERT_EQ(due->size(), 1U);
    EXPECT_EQ(due->front().kind, AdviceKind::void_);
    EXPECT_EQ(due->front().idempotency_key, "t:v");
    EXPECT_EQ(due->front().claim_id, "c_9");
}

}  // namespace
}  // namespace claimgate::sdk
