// File: mock_ledger_store.hpp
// gmock double of the gateway's storage seam (gateway/include/claimgate/gateway/ledger_store.hpp),
// for tests of the group committer and the claim service that need a ledger which blocks,
// fails or counts on demand.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>
#include <claimgate/ledger/roster_row_source.hpp>

#include <gmock/gmock.h>

namespace claimgate::gateway::testing {

class MockLedgerStore : public LedgerStore {
public:
    MOCK_METHOD(void, begin, (), (override));
    MOCK_METHOD(void, commit, (), (override));
    MOCK_METHOD(void, rollback, (), (override));
    MOCK_METHOD(void, savepoint, (), (override));
    MOCK_METHOD(void, releaseSavepoint, (), (override));
    MOCK_METHOD(void, rollbackToSavepoint, (), (override));

    MOCK_METHOD(std::optional<StoredReply>, findReply,
                (const std::string& operator_id, const std::string& key), (override));
    MOCK_METHOD(void, saveReply,
                (const std::string& operator_id, const std::string& key, const StoredReply& reply,
                 std::int64_t now_millis),
                (override));
    MOCK_METHOD(std::size_t, purgeReplies, (std::int64_t older_than_millis, std::size_t limit),
                (override));

    MOCK_METHOD(std::optional<ClaimRecord>, findBlockingClaim,
                (const std::string& program, const CitizenKey& citizen_key), (override));
    MOCK_METHOD(std::optional<ClaimRecord>, findClaim, (const std::string& claim_id), (override));
    MOCK_METHOD(std::optional<ClaimRecord>, findClaimByCode,
                (const std::string& operator_id, const std::string& claim_code), (override));
    MOCK_METHOD(bool, claimCodeExists,
                (const std::string& operator_id, const std::string& claim_code), (override));
    MOCK_METHOD(bool, insertClaim, (const ClaimRecord& claim), (override));
    MOCK_METHOD(void, updateClaim, (const ClaimRecord& claim), (override));
    MOCK_METHOD(std::vector<ClaimRecord>, findExpiredHolds,
                (std::int64_t now_millis, std::size_t limit), (override));
    MOCK_METHOD(std::int64_t, countClaims, (protocols::ClaimStatus status), (override));
    MOCK_METHOD(void, forEachClaim, (const std::function<bool(const ClaimRecord&)>& visit),
                (override));

    MOCK_METHOD(std::optional<ClaimEvent>, lastEvent, (), (override));
    MOCK_METHOD(void, appendEvent, (const ClaimEvent& event), (override));
    MOCK_METHOD(void, forEachEvent, (const std::function<bool(const ClaimEvent&)>& visit),
                (override));
    MOCK_METHOD(void, forEachEventAfter,
                (std::int64_t after_seq, std::size_t limit,
                 const std::function<bool(const ClaimEvent&)>& visit),
                (override));

    MOCK_METHOD(void, putProgram, (const protocols::Program& program), (override));
    MOCK_METHOD(std::vector<protocols::Program>, loadPrograms, (), (override));
    MOCK_METHOD(void, upsertRosterRow, (const RosterRow& row), (override));
    MOCK_METHOD(void, removeRosterRow,
                (const std::string& program, const CitizenKey& citizen_key, std::int64_t version),
                (override));
    MOCK_METHOD(void, beginRoster, (), (override));
    MOCK_METHOD(std::int64_t, newRosterVersion,
                (const std::string& program, const std::string& source, std::int64_t now_millis),
                (override));
    MOCK_METHOD(std::int64_t, latestRosterVersion, (), (override));
    MOCK_METHOD((std::map<std::string, std::int64_t>), rosterVersions, (std::int64_t up_to),
                (override));
    MOCK_METHOD(void, forEachRosterChange,
                (std::int64_t after, std::int64_t up_to,
                 const std::function<bool(const RosterRow&)>& visit),
                (override));
    MOCK_METHOD(std::int64_t, countRosterChanges, (std::int64_t after, std::int64_t up_to),
                (override));
    MOCK_METHOD(void, loadRosterRows, (RosterRowSource & rows), (override));
    MOCK_METHOD(std::int64_t, removeRosterRowsNotIn,
                (const std::string& program, std::int64_t version), (override));
    MOCK_METHOD(bool, waitForRosterNews, (std::chrono::milliseconds timeout), (override));
    MOCK_METHOD(std::int64_t, countRosterRows, (const std::string& program), (override));
    MOCK_METHOD(void, forEachRosterRow,
                (const std::string& program, const std::function<void(const RosterRow&)>& visit),
                (override));
    MOCK_METHOD(
        void, forEachBlockingClaim,
        ((const std::function<void(const std::string&, const CitizenKey&, protocols::ClaimStatus,
                                   protocols::Channel, std::int64_t)>& visit)),
        (override));

    MOCK_METHOD(std::optional<std::string>, getMeta, (const std::string& key), (override));
    MOCK_METHOD(void, putMeta, (const std::string& key, const std::string& value), (override));

    /// Answers like an empty ledger where every insert succeeds (for NiceMock use).
    void behaveAsEmptyLedger() {
        using ::testing::_;
        using ::testing::Return;
        ON_CALL(*this, findReply(_, _)).WillByDefault(Return(std::nullopt));
        ON_CALL(*this, findBlockingClaim(_, _)).WillByDefault(Return(std::nullopt));
        ON_CALL(*this, findClaim(_)).WillByDefault(Return(std::nullopt));
        ON_CALL(*this, findClaimByCode(_, _)).WillByDefault(Return(std::nullopt));
        ON_CALL(*this, claimCodeExists(_, _)).WillByDefault(Return(false));
        ON_CALL(*this, insertClaim(_)).WillByDefault(Return(true));
        ON_CALL(*this, lastEvent()).WillByDefault(Return(std::nullopt));
        ON_CALL(*this, findExpiredHolds(_, _)).WillByDefault(Return(std::vector<ClaimRecord>{}));
        ON_CALL(*this, purgeReplies(_, _)).WillByDefault(Return(std::size_t{0}));
    }
};

}  // namespace claimgate::gateway::testing
