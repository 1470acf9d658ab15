#include <claimgate/ledger/limits.hpp>
#include <claimgate/ledger/postgres_ledger_store.hpp>
#include <claimgate/ledger/roster_row_source.hpp>

#include <claimgate/protocols/invariant.hpp>
#include <claimgate/protocols/log.hpp>

#include "batch_read_cache.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <type_traits>
#include <unordered_map>

namespace claimgate::gateway {
namespace {

using protocols::ClaimStatus;

constexpr int kReconnectAttemptsMax = 3;
constexpr std::int64_t kChainAdvisoryLockId = 72023;  // one chain per database
// A claim batch does not hold the chain lock while it works, only from its chain head to its
// COMMIT (ClaimEngine::appendBatchEvents, docs/performance.md "The chain lock only around the
// chain"). Until then what keeps two nodes' batches from deciding on the same rows at once:
// - a hold (or an imported payout) locks its citizen first, so "no blocking claim in this or
//   an excluding program" stays true until it commits (the unique index covers one program
//   only);
// - every claim a batch reads is read FOR UPDATE, so its status is current until it commits;
// - a meta value read in a transaction (the in_doubt counter) is locked by its key first;
// - idempotency keys, claim ids and claim codes are unique indexes: a twin fails the batch,
//   which runBatch re-runs operation by operation, where the answer is exact.
// Whoever holds the chain lock then only appends events and commits: it never waits for a
// lock that a batch waiting for the chain lock holds, so the chain lock is in no deadlock.
// Two-key advisory locks: a key space apart from the one-key chain, roster and migration locks.
constexpr int kCitizenLockClass = 72027;  // second key: a citizen key's first 4 bytes
constexpr int kMetaLockClass = 72028;     // second key: hashtext(meta key)

// Versioned migrations: index i brings the schema from version i to i + 1. Never edit a
// shipped entry; append a new one.
constexpr const char* kMigrations[] = {
    R"SQL(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE programs (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE roster (
  program TEXT NOT NULL, citizen_key BYTEA NOT NULL, nhi_hash BYTEA, amount BIGINT NOT NULL,
  proxies BYTEA, claim_by SMALLINT NOT NULL, excluded TEXT,
  PRIMARY KEY (program, citizen_key));
CREATE TABLE claims (
  claim_id TEXT PRIMARY KEY, claim_code TEXT NOT NULL, program TEXT NOT NULL,
  citizen_key BYTEA NOT NULL, citizen_mask TEXT NOT NULL, channel TEXT NOT NULL,
  operator TEXT NOT NULL, terminal_id TEXT NOT NULL, amount BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('held', 'in_doubt', 'paid', 'voided')),
  held_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, paid_at BIGINT, voided_at BIGINT,
  terminal_ref TEXT, reason TEXT);
CREATE UNIQUE INDEX claims_one_blocking ON claims (program, citizen_key)
  WHERE status IN ('held', 'in_doubt', 'paid');
CREATE UNIQUE INDEX claims_code ON claims (operator, claim_code);
CREATE INDEX claims_held_expiry ON claims (expires_at) WHERE status = 'held';
CREATE TABLE claim_events (
  seq BIGINT PRIMARY KEY, claim_id TEXT NOT NULL, body TEXT NOT NULL, hash BYTEA NOT NULL);
CREATE FUNCTION claim_events_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'claim_events is append-only'; END $$;
CREATE TRIGGER claim_events_no_change BEFORE UPDATE OR DELETE ON claim_events
  FOR EACH ROW EXECUTE FUNCTION claim_events_append_only();
CREATE TABLE idempotency (
  operator TEXT NOT NULL, key TEXT NOT NULL, request_hash BYTEA NOT NULL,
  http_status INTEGER NOT NULL, reply TEXT NOT NULL, created_at BIGINT NOT NULL,
  PRIMARY KEY (operator, key));
CREATE INDEX idempotency_created ON idempotency (created_at);
)SQL",
    // 2: roster versions (live roster changes).
    R"SQL(
ALTER TABLE roster ADD COLUMN version BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN removed BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX roster_by_version ON roster (version);
CREATE TABLE roster_versions (
  version BIGINT PRIMARY KEY, program TEXT NOT NULL, source TEXT NOT NULL,
  created_at BIGINT NOT NULL);
)SQL",
    // 3: the terminal's time of dispense beside paid_at (commit `dispensed_at`).
    R"SQL(
ALTER TABLE claims ADD COLUMN dispensed_at BIGINT;
)SQL",
};
constexpr int kSchemaVersion = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);

constexpr const char* kClaimColumns =
    "claim_id, claim_code, program, citizen_key, citizen_mask, channel, operator, terminal_id, "
    "amount, status, held_at, expires_at, paid_at, voided_at, terminal_ref, reason, "
    "dispensed_at";

// The claim path's statements, built once (the writer runs them for every operation).
const std::string kFindReplySql =
    "SELECT request_hash, http_status, reply FROM idempotency WHERE operator = $1 AND key = $2";
const std::string kSaveReplySql =
    "INSERT INTO idempotency (operator, key, request_hash, http_status, reply, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
const std::string kFindBlockingSql =
    std::string("SELECT ") + kClaimColumns +
    " FROM claims WHERE program = $1 AND citizen_key = $2 AND status IN "
    "('held', 'in_doubt', 'paid')";
const std::string kFindClaimSql =
    std::string("SELECT ") + kClaimColumns + " FROM claims WHERE claim_id = $1";
const std::string kFindClaimByCodeSql =
    std::string("SELECT ") + kClaimColumns + " FROM claims WHERE operator = $1 AND claim_code = $2";
// ON CONFLICT DO NOTHING: a unique violation (another node's hold) must not abort the
// transaction; zero affected rows tells the engine it lost.
const std::string kInsertClaimSql =
    std::string("INSERT INTO claims (") + kClaimColumns +
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
    "ON CONFLICT DO NOTHING";
const std::string kUpdateClaimSql =
    "UPDATE claims SET status = $1, paid_at = $2, voided_at = $3, terminal_ref = $4, "
    "reason = $5, amount = $6, terminal_id = $7, dispensed_at = $8 WHERE claim_id = $9";
// Inside a transaction every claim is read for update (see kCitizenLockClass).
const std::string kFindBlockingForUpdateSql = kFindBlockingSql + " FOR UPDATE";
const std::string kFindClaimForUpdateSql = kFindClaimSql + " FOR UPDATE";
const std::string kFindClaimByCodeForUpdateSql = kFindClaimByCodeSql + " FOR UPDATE";
// A batch that re-runs operation by operation locks the claims it names first, in id order
// (ORDER BY sorts before FOR UPDATE locks), as the pipelined batch locks them
// (sendOptimisticBegin): two batches that name the same claims then take their row locks in
// one order and cannot deadlock on them.
const std::string kLockClaimsSql =
    "SELECT 1 FROM claims WHERE claim_id = ANY($1::text[]) ORDER BY claim_id FOR UPDATE";
// Sorted and distinct (lockCitizensParam), and ORDER BY as well: any two batches take their
// citizens' locks in the same order, so they cannot deadlock on them.
const std::string kLockCitizensSql = "SELECT pg_advisory_xact_lock(" +
                                     std::to_string(kCitizenLockClass) +
                                     ", k) FROM unnest($1::int4[]) AS k ORDER BY k";
const std::string kLockChainSql =
    "SELECT pg_advisory_xact_lock(" + std::to_string(kChainAdvisoryLockId) + ")";
const std::string kLockMetaSql =
    "SELECT pg_advisory_xact_lock(" + std::to_string(kMetaLockClass) + ", hashtext($1))";
const std::string kLastEventSql =
    "SELECT seq, claim_id, body, hash FROM claim_events ORDER BY seq DESC LIMIT 1";
const std::string kAppendEventSql =
    "INSERT INTO claim_events (seq, claim_id, body, hash) VALUES ($1, $2, $3, $4)";

// The two inserts a pipelined batch holds back and sends as one statement each
// (PostgresLedgerStore::HeldInsert): the head before VALUES, and the columns per row.
struct MergeableInsert {
    const std::string* single_row_sql;
    const char* head;
    std::size_t columns;
};
const MergeableInsert kMergeableInserts[] = {
    {&kSaveReplySql,
     "INSERT INTO idempotency (operator, key, request_hash, http_status, reply, created_at) "
     "VALUES ",
     6},
    {&kAppendEventSql, "INSERT INTO claim_events (seq, claim_id, body, hash) VALUES ", 4},
};
const MergeableInsert* mergeableInsert(const std::string& sql) {
    for (const MergeableInsert& insert : kMergeableInserts) {
        if (&sql == insert.single_row_sql) return &insert;
    }
    return nullptr;
}
// "HEAD ($1, ..., $c), ($c+1, ...), ..." for `rows` rows.
std::string multiRowInsertSql(const MergeableInsert& insert, std::size_t rows) {
    std::string sql = insert.head;
    std::size_t parameter = 0;
    for (std::size_t row = 0; row < rows; ++row) {
        sql += row == 0 ? "(" : ", (";
        for (std::size_t column = 0; column < insert.columns; ++column) {
            if (column > 0) sql += ", ";
            sql += "$" + std::to_string(++parameter);
        }
        sql += ")";
    }
    return sql;
}

std::string bytes(const CitizenKey& key) {
    return std::string(reinterpret_cast<const char*>(key.data()), key.size());
}

/// `values` as a text[] literal, each element quoted (PostgreSQL docs, "Arrays", "Array
/// Value Input"), so that a comma, brace or space inside one stays data.
std::string textArrayParam(const std::vector<std::string>& values) {
    std::string text = "{";
    for (const auto& value : values) {
        if (text.size() > 1) text.push_back(',');
        text.push_back('"');
        for (const char c : value) {
            if (c == '"' || c == '\\') text.push_back('\\');
            text.push_back(c);
        }
        text.push_back('"');
    }
    text.push_back('}');
    return text;
}

/// The citizens of `blocking` as kLockCitizensSql's int4[] (text form), sorted and distinct;
/// empty when there are none. A citizen key is an HMAC, so its first 4 bytes spread evenly;
/// two citizens that share them only share a lock.
std::string lockCitizensParam(const std::vector<std::pair<std::string, CitizenKey>>& blocking) {
    std::vector<std::int32_t> keys;
    keys.reserve(blocking.size());
    for (const auto& [program, citizen_key] : blocking) {
        std::uint32_t prefix = 0;
        for (std::size_t i = 0; i < 4; ++i) prefix = (prefix << 8) | citizen_key[i];
        keys.push_back(static_cast<std::int32_t>(prefix));
    }
    if (keys.empty()) return {};
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::string text = "{";
    for (const auto key : keys) {
        if (text.size() > 1) text.push_back(',');
        text += std::to_string(key);
    }
    text.push_back('}');
    return text;
}

/// Text-format bytea ("\x0a1b...") to raw bytes.
std::string unescapeBytea(const char* text) {
    std::size_t length = 0;
    unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &length);
    if (raw == nullptr) throw LedgerStoreError("bad bytea value");
    std::string out(reinterpret_cast<const char*>(raw), length);
    PQfreemem(raw);
    return out;
}

CitizenKey keyFrom(const std::string& raw) {
    CitizenKey key{};
    if (raw.size() != key.size()) throw LedgerStoreError("stored key has the wrong size");
    std::memcpy(key.data(), raw.data(), key.size());
    return key;
}

std::optional<std::int64_t> optionalInt(pg_result* result, int row, int column) {
    if (PQgetisnull(result, row, column)) return std::nullopt;
    return std::stoll(PQgetvalue(result, row, column));
}

std::optional<std::string> optionalText(pg_result* result, int row, int column) {
    if (PQgetisnull(result, row, column)) return std::nullopt;
    return std::string(PQgetvalue(result, row, column));
}

ClaimRecord readClaim(pg_result* result, int row) {
    ClaimRecord claim;
    claim.claim_id = PQgetvalue(result, row, 0);
    claim.claim_code = PQgetvalue(result, row, 1);
    claim.program = PQgetvalue(result, row, 2);
    claim.citizen_key = keyFrom(unescapeBytea(PQgetvalue(result, row, 3)));
    claim.citizen_mask = PQgetvalue(result, row, 4);
    const auto channel = protocols::parseChannel(PQgetvalue(result, row, 5));
    const auto status = protocols::parseClaimStatus(PQgetvalue(result, row, 9));
    if (!channel || !status) throw LedgerStoreError("claim row with unknown channel/status");
    claim.channel = *channel;
    claim.operator_id = PQgetvalue(result, row, 6);
    claim.terminal_id = PQgetvalue(result, row, 7);
    claim.amount = std::stoll(PQgetvalue(result, row, 8));
    claim.status = *status;
    claim.held_at = std::stoll(PQgetvalue(result, row, 10));
    claim.expires_at = std::stoll(PQgetvalue(result, row, 11));
    claim.paid_at = optionalInt(result, row, 12);
    claim.voided_at = optionalInt(result, row, 13);
    claim.terminal_ref = optionalText(result, row, 14);
    claim.reason = optionalText(result, row, 15);
    claim.dispensed_at = optionalInt(result, row, 16);
    return claim;
}

std::string optionalParam(const std::optional<std::int64_t>& value) {
    return value ? std::to_string(*value) : std::string();
}

std::optional<ClaimRecord> firstClaim(pg_result* result) {
    if (PQntuples(result) == 0) return std::nullopt;
    return readClaim(result, 0);
}

std::optional<StoredReply> firstReply(pg_result* result) {
    if (PQntuples(result) == 0) return std::nullopt;
    StoredReply reply;
    const auto hash = unescapeBytea(PQgetvalue(result, 0, 0));
    if (hash.size() != reply.request_hash.size()) throw LedgerStoreError("bad request hash");
    std::memcpy(reply.request_hash.data(), hash.data(), hash.size());
    reply.http_status = std::atoi(PQgetvalue(result, 0, 1));
    reply.body = PQgetvalue(result, 0, 2);
    return reply;
}

std::optional<ClaimEvent> firstEvent(pg_result* result) {
    if (PQntuples(result) == 0) return std::nullopt;
    ClaimEvent event;
    event.seq = std::stoll(PQgetvalue(result, 0, 0));
    event.claim_id = PQgetvalue(result, 0, 1);
    event.body = PQgetvalue(result, 0, 2);
    event.hash = keyFrom(unescapeBytea(PQgetvalue(result, 0, 3)));
    return event;
}

std::vector<std::string> claimInsertParams(const ClaimRecord& claim) {
    return {claim.claim_id,
            claim.claim_code,
            claim.program,
            bytes(claim.citizen_key),
            claim.citizen_mask,
            std::string(protocols::channelName(claim.channel)),
            claim.operator_id,
            claim.terminal_id,
            std::to_string(claim.amount),
            std::string(protocols::claimStatusName(claim.status)),
            std::to_string(claim.held_at),
            std::to_string(claim.expires_at),
            optionalParam(claim.paid_at),
            optionalParam(claim.voided_at),
            claim.terminal_ref.value_or(""),
            claim.reason.value_or(""),
            optionalParam(claim.dispensed_at)};
}

std::vector<std::string> claimUpdateParams(const ClaimRecord& claim) {
    return {std::string(protocols::claimStatusName(claim.status)),
            optionalParam(claim.paid_at),
            optionalParam(claim.voided_at),
            claim.terminal_ref.value_or(""),
            claim.reason.value_or(""),
            std::to_string(claim.amount),
            claim.terminal_id,
            optionalParam(claim.dispensed_at),
            claim.claim_id};
}

bool resultFailed(pg_result* result) {
    const auto status = PQresultStatus(result);
    return status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK;
}

}  // namespace

/// Owns one PGresult.
class PostgresLedgerStore::Query {
public:
    explicit Query(pg_result* result) : result_(result) {}
    ~Query() { PQclear(result_); }
    Query(Query&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
    Query& operator=(Query&&) = delete;
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    [[nodiscard]] int rows() const { return PQntuples(result_); }
    [[nodiscard]] const char* value(int row, int column) const {
        return PQgetvalue(result_, row, column);
    }
    [[nodiscard]] pg_result* get() const { return result_; }
    [[nodiscard]] int affected() const {
        const char* text = PQcmdTuples(result_);
        return text && *text ? std::atoi(text) : 0;
    }

private:
    pg_result* result_;
};

PostgresLedgerStore::PostgresLedgerStore(std::string uri)
    : uri_(std::move(uri)), cache_(std::make_unique<BatchReadCache>()) {
    try {
        connect();
        migrate();
    } catch (...) {
        // A constructor that throws runs no destructor: the failed connection's libpq state
        // would leak on every attempt while the database is down (the stats reader retries
        // each second; found by the ASan run of the whole suite).
        PQfinish(connection_);
        connection_ = nullptr;
        throw;
    }
}

PostgresLedgerStore::~PostgresLedgerStore() { PQfinish(connection_); }

void PostgresLedgerStore::connect() {
    for (int attempt = 0; attempt < kReconnectAttemptsMax; ++attempt) {
        if (connection_ == nullptr) {
            connection_ = PQconnectdb(uri_.c_str());
            // libpq prints server notices ("terminating connection due to administrator
            // command") raw to stderr; the gateway's logs are one JSON object per line.
            PQsetNoticeProcessor(
                connection_,
                [](void*, const char* message) {
                    log::warn("ledger", "database notice", {{"notice", log::firstLine(message)}});
                },
                nullptr);
        } else {
            PQreset(connection_);
        }
        // A new session knows none of the old one's prepared statements, and is not in a
        // pipeline.
        prepared_.clear();
        pipelined_ = false;
        pending_.clear();
        syncs_owed_ = 0;
        cache_->clear();
        if (PQstatus(connection_) == CONNECTION_OK) {
            // Acknowledged means durable (invariant 2), whatever the server default says.
            exec("SET synchronous_commit = on");
            exec("SET client_min_messages = warning");
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    }
    throw LedgerStoreError(std::string("cannot connect to PostgreSQL: ") +
                           PQerrorMessage(connection_));
}

void PostgresLedgerStore::exec(const char* sql) {
    // The simple query protocol has no place in a pipeline: the batch goes on without one.
    leavePipeline();
    ++round_trips_;
    Query result(PQexec(connection_, sql));
    const auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
    }
}

const std::string& PostgresLedgerStore::preparedStatement(const std::string& sql, int param_count) {
    // Parsed and planned once per connection, not once per call: the writer runs the same
    // dozen statements for every operation.
    const auto known = prepared_.find(sql);
    if (known != prepared_.end()) return known->second;
    std::string name = "cg" + std::to_string(next_statement_++);
    if (pipelined_) {
        if (PQsendPrepare(connection_, name.c_str(), sql.c_str(), param_count, nullptr) != 1) {
            throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
        }
        pending_.push_back(PendingResult{Expect::command, "prepare", sql});
    } else {
        ++round_trips_;
        Query prepared(PQprepare(connection_, name.c_str(), sql.c_str(), param_count, nullptr));
        if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
            throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
        }
    }
    return prepared_.emplace(sql, std::move(name)).first->second;
}

void PostgresLedgerStore::sendPrepared(const std::string& sql,
                                       const std::vector<std::string>& params,
                                       const std::vector<bool>& binary) {
    // Held rows go first: the statements reach the server in the order they were written.
    sendHeldInsert();
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size());
    std::vector<int> formats(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        const bool is_binary = i < binary.size() && binary[i];
        // An empty text parameter stands for NULL (no column here uses '' as a value).
        values[i] = !is_binary && params[i].empty() ? nullptr : params[i].data();
        lengths[i] = static_cast<int>(params[i].size());
        formats[i] = is_binary ? 1 : 0;
    }
    const std::string& statement = preparedStatement(sql, static_cast<int>(params.size()));
    ++statements_sent_;
    if (PQsendQueryPrepared(connection_, statement.c_str(), static_cast<int>(params.size()),
                            values.data(), lengths.data(), formats.data(), 0) != 1) {
        throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
    }
}

PostgresLedgerStore::Query PostgresLedgerStore::run(const std::string& sql,
                                                    const std::vector<std::string>& params,
                                                    const std::vector<bool>& binary) {
    if (pipelined_) {
        sendPrepared(sql, params, binary);
        pending_.push_back(PendingResult{Expect::rows, "read", {}});
        auto results = collectPending();
        CG_ASSERT(results.size() == 1, "a pipelined read owes exactly one result");
        return std::move(results.front());
    }
    sendPrepared(sql, params, binary);
    ++round_trips_;
    pg_result* raw = PQgetResult(connection_);
    if (raw == nullptr) {
        throw LedgerStoreError(std::string("postgres: no result: ") + PQerrorMessage(connection_));
    }
    Query result(raw);
    // One statement, one result: the null that ends it.
    while (pg_result* trailing = PQgetResult(connection_)) PQclear(trailing);
    if (resultFailed(result.get())) {
        throw LedgerStoreError(std::string("postgres: ") + PQresultErrorMessage(result.get()));
    }
    return result;
}

void PostgresLedgerStore::sendHeldInsert() {
    if (held_.rows == 0) return;
    HeldInsert held = std::move(held_);
    held_ = HeldInsert{};
    const MergeableInsert* insert = mergeableInsert(*held.single_row_sql);
    CG_ASSERT(insert != nullptr && held.params.size() == held.rows * insert->columns,
              "held rows are whole rows of one mergeable insert");
    sendPrepared(held.rows == 1 ? *held.single_row_sql : multiRowInsertSql(*insert, held.rows),
                 held.params, held.binary);
    pending_.push_back(PendingResult{Expect::command, held.what, {}});
}

void PostgresLedgerStore::write(const std::string& sql, const std::vector<std::string>& params,
                                const std::vector<bool>& binary, Expect expect, const char* what) {
    if (pipelined_) {
        if (const MergeableInsert* insert = mergeableInsert(sql); insert != nullptr) {
            CG_ASSERT(params.size() == insert->columns && expect == Expect::command,
                      "a mergeable insert is one whole row that must succeed");
            if (held_.rows > 0 && held_.single_row_sql != &sql) sendHeldInsert();
            held_.single_row_sql = &sql;
            held_.what = what;
            held_.params.insert(held_.params.end(), params.begin(), params.end());
            for (std::size_t column = 0; column < insert->columns; ++column) {
                held_.binary.push_back(column < binary.size() && binary[column]);
            }
            if (++held_.rows == kHeldInsertRowsMax) sendHeldInsert();
            return;
        }
        sendPrepared(sql, params, binary);
        pending_.push_back(PendingResult{expect, what, {}});
        return;
    }
    const Query result = run(sql, params, binary);
    if (expect == Expect::one_row && result.affected() != 1) {
        throw LedgerStoreError(std::string("postgres: ") + what + " changed " +
                               std::to_string(result.affected()) + " rows, not 1");
    }
}

std::vector<PostgresLedgerStore::Query> PostgresLedgerStore::collectPending(bool then_sync) {
    CG_ASSERT(pipelined_, "only a pipeline owes results");
    sendHeldInsert();
    // The server buffers a pipeline's results until asked (a flush request, or a sync point,
    // which also ends the pipeline's error scope); either sits in libpq's buffer until flushed.
    if (then_sync) {
        if (PQpipelineSync(connection_) != 1) {
            throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
        }
        ++syncs_owed_;
    } else if (PQsendFlushRequest(connection_) != 1 || PQflush(connection_) != 0) {
        throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
    }
    ++round_trips_;
    std::vector<Query> reads;
    while (!pending_.empty()) {
        const PendingResult owed = std::move(pending_.front());
        pending_.pop_front();
        pg_result* raw = PQgetResult(connection_);
        if (raw == nullptr) {
            throw LedgerStoreError(std::string("postgres: a pipelined result is missing: ") +
                                   PQerrorMessage(connection_));
        }
        Query result(raw);
        // Each statement's results end with a null.
        while (pg_result* trailing = PQgetResult(connection_)) PQclear(trailing);
        if (resultFailed(result.get())) {
            if (!owed.prepared_sql.empty()) prepared_.erase(owed.prepared_sql);
            throw LedgerStoreError(std::string("postgres: ") + owed.what + ": " +
                                   PQresultErrorMessage(result.get()));
        }
        if (owed.expect == Expect::one_row && result.affected() != 1) {
            throw LedgerStoreError(std::string("postgres: ") + owed.what + " changed " +
                                   std::to_string(result.affected()) + " rows, not 1");
        }
        if (owed.expect == Expect::rows) reads.push_back(std::move(result));
    }
    return reads;
}

void PostgresLedgerStore::leavePipeline() {
    if (!pipelined_) return;
    // One round trip: the sync goes with the check of the writes.
    collectPending(true);
    pg_result* raw = PQgetResult(connection_);
    const bool in_step = raw != nullptr && PQresultStatus(raw) == PGRES_PIPELINE_SYNC;
    PQclear(raw);
    if (in_step) --syncs_owed_;
    if (!in_step || PQexitPipelineMode(connection_) != 1) {
        throw LedgerStoreError(std::string("postgres: pipeline out of step: ") +
                               PQerrorMessage(connection_));
    }
    pipelined_ = false;
    cache_->clear();
}

void PostgresLedgerStore::abandonPipeline() {
    if (!pipelined_) return;
    pipelined_ = false;
    cache_->clear();
    held_ = HeldInsert{};  // never sent: nothing of it reached the server
    // A prepare the server skipped after an error left no statement behind: forget its name.
    for (const auto& owed : pending_) {
        if (!owed.prepared_sql.empty()) prepared_.erase(owed.prepared_sql);
    }
    pending_.clear();
    bool in_step = PQstatus(connection_) == CONNECTION_OK && PQpipelineSync(connection_) == 1;
    if (in_step) ++syncs_owed_;
    // Everything up to the last sync: results, errors, "aborted" for what followed an error
    // (and the sync of a leavePipeline() whose check failed). Two nulls in a row: nothing more
    // is coming, and we are out of step.
    int nulls = 0;
    while (in_step && syncs_owed_ > 0) {
        pg_result* raw = PQgetResult(connection_);
        if (raw == nullptr) {
            in_step = ++nulls < 2 && PQstatus(connection_) == CONNECTION_OK;
            continue;
        }
        nulls = 0;
        if (PQresultStatus(raw) == PGRES_PIPELINE_SYNC) --syncs_owed_;
        PQclear(raw);
    }
    syncs_owed_ = 0;
    if (in_step && PQexitPipelineMode(connection_) == 1) return;
    PQfinish(connection_);
    connection_ = nullptr;
    prepared_.clear();
}

void PostgresLedgerStore::streamRows(const char* sql, const std::vector<std::string>& params,
                                     const std::function<bool(pg_result*, int)>& on_row) {
    leavePipeline();
    ++round_trips_;
    std::vector<const char*> values;
    for (const auto& param : params) values.push_back(param.c_str());
    if (PQsendQueryParams(connection_, sql, static_cast<int>(params.size()), nullptr, values.data(),
                          nullptr, nullptr, 0) != 1 ||
        PQsetSingleRowMode(connection_) != 1) {
        throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
    }
    bool keep_going = true;
    std::string error;
    while (pg_result* raw = PQgetResult(connection_)) {
        Query result(raw);
        const auto status = PQresultStatus(raw);
        if (status == PGRES_SINGLE_TUPLE && keep_going) {
            keep_going = on_row(raw, 0);
        } else if (status != PGRES_TUPLES_OK && status != PGRES_SINGLE_TUPLE) {
            error = PQerrorMessage(connection_);
        }
    }
    if (!error.empty()) throw LedgerStoreError("postgres: " + error);
}

void PostgresLedgerStore::migrate() {
    exec("BEGIN");
    try {
        // Several nodes may start at once: one migrates, the others wait here.
        exec("SELECT pg_advisory_xact_lock(72024)");
        exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        Query current(PQexec(connection_, "SELECT version FROM schema_version"));
        int version = current.rows() == 0 ? 0 : std::atoi(current.value(0, 0));
        if (current.rows() == 0) exec("INSERT INTO schema_version VALUES (0)");
        if (version > kSchemaVersion) {
            throw LedgerStoreError("database schema " + std::to_string(version) +
                                   " is newer than this gateway (" +
                                   std::to_string(kSchemaVersion) + ")");
        }
        for (; version < kSchemaVersion; ++version) {
            exec(kMigrations[version]);
            exec(("UPDATE schema_version SET version = " + std::to_string(version + 1)).c_str());
        }
        exec("COMMIT");
    } catch (...) {
        PQclear(PQexec(connection_, "ROLLBACK"));
        throw;
    }
}

void PostgresLedgerStore::resetSchemaForTests() {
    exec(
        "DROP TABLE IF EXISTS meta, programs, roster, roster_versions, claims, claim_events, "
        "idempotency, "
        "schema_version CASCADE");
    exec("DROP FUNCTION IF EXISTS claim_events_append_only() CASCADE");
    migrate();
}

void PostgresLedgerStore::begin() {
    // BEGIN, and at once the lock that serialises writers of every node on the chain head
    // (contracts invariant 4): for the writers that do not go through runBatch.
    static const std::string kBeginLockedSql = "BEGIN; " + kLockChainSql;
    beginTransaction([this] { exec(kBeginLockedSql.c_str()); });
}

void PostgresLedgerStore::beginTransaction(const std::function<void()>& first_round_trip) {
    abandonPipeline();
    if (PQstatus(connection_) != CONNECTION_OK) connect();
    // Set first: if a lock fails after BEGIN succeeded, rollback() must end the transaction.
    in_transaction_ = true;
    try {
        first_round_trip();
    } catch (const LedgerStoreError&) {
        // An idle connection cut by a server restart still reports CONNECTION_OK until it is
        // used, and BEGIN is that first use. Nothing has happened in this transaction yet, so
        // reconnecting (which ends whatever the old session held) and beginning once more is
        // safe, and spares the batch a needless 503. The server's own refusal on a live
        // connection (a lock it could not grant, say) goes to the caller as it is: a new
        // session would hide it and cost a reconnect for nothing.
        if (PQstatus(connection_) == CONNECTION_OK) throw;
        abandonPipeline();
        connect();
        first_round_trip();
    }
}

void PostgresLedgerStore::beginIsolatedBatch(const BatchReadSet& reads) {
    beginTransaction([this] { exec("BEGIN"); });
    const std::string citizens = lockCitizensParam(reads.blocking);
    if (!citizens.empty()) run(kLockCitizensSql, {citizens});
    // Every claim the batch names, however it names it, locked up front in the claim-id
    // order every batch uses (sendOptimisticBegin); the operations' own reads of them then
    // wait for nobody. A re-run is rare, so these reads may take a round trip each.
    std::vector<std::string> claim_ids = reads.claim_ids;
    for (const auto& [program, citizen_key] : reads.blocking) {
        auto blocking =
            firstClaim(run(kFindBlockingSql, {program, bytes(citizen_key)}, {false, true}).get());
        if (blocking) claim_ids.push_back(std::move(blocking->claim_id));
    }
    for (const auto& [operator_id, code] : reads.claim_codes) {
        auto claim = firstClaim(run(kFindClaimByCodeSql, {operator_id, code}).get());
        if (claim) claim_ids.push_back(std::move(claim->claim_id));
    }
    if (!claim_ids.empty()) run(kLockClaimsSql, {textArrayParam(claim_ids)});
}

void PostgresLedgerStore::beginOptimisticBatch(const BatchReadSet& reads) {
    beginTransaction([this, &reads] { sendOptimisticBegin(reads); });
}

void PostgresLedgerStore::sendOptimisticBegin(const BatchReadSet& reads) {
    if (PQenterPipelineMode(connection_) != 1) {
        throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
    }
    pipelined_ = true;
    // First round trip: BEGIN, the locks on the batch's citizens, its stored replies, and the
    // claims it names by citizen or by code, read without a lock, only to learn their ids.
    if (PQsendQueryParams(connection_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
        throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
    }
    pending_.push_back(PendingResult{Expect::command, "BEGIN", {}});
    const std::string citizens = lockCitizensParam(reads.blocking);
    if (!citizens.empty()) {
        sendPrepared(kLockCitizensSql, {citizens}, {});
        pending_.push_back(PendingResult{Expect::command, "citizen locks", {}});
    }
    auto read = [this](const std::string& sql, const std::vector<std::string>& params,
                       const std::vector<bool>& binary) {
        sendPrepared(sql, params, binary);
        pending_.push_back(PendingResult{Expect::rows, "batch read", {}});
    };
    for (const auto& [operator_id, key] : reads.replies) {
        read(kFindReplySql, {operator_id, key}, {});
    }
    for (const auto& [program, citizen_key] : reads.blocking) {
        read(kFindBlockingSql, {program, bytes(citizen_key)}, {false, true});
    }
    for (const auto& [operator_id, code] : reads.claim_codes) {
        read(kFindClaimByCodeSql, {operator_id, code}, {});
    }
    auto results = collectPending();
    CG_ASSERT(
        results.size() == reads.replies.size() + reads.blocking.size() + reads.claim_codes.size(),
        "one result per batch read");
    auto next = results.begin();
    for (const auto& [operator_id, key] : reads.replies) {
        cache_->putReply(operator_id, key, firstReply((next++)->get()));
    }
    std::vector<std::optional<ClaimRecord>> unlocked;
    unlocked.reserve(reads.blocking.size() + reads.claim_codes.size());
    std::vector<std::string> claim_ids = reads.claim_ids;
    for (; next != results.end(); ++next) {
        auto& claim = unlocked.emplace_back(firstClaim(next->get()));
        if (claim) claim_ids.push_back(claim->claim_id);
    }
    // Second round trip, only for a batch that names existing claims: each of them locked and
    // read again, current, in claim-id order. Every batch takes its row locks in this one order
    // whichever way it names the claims, so two nodes' batches cannot deadlock on them.
    std::sort(claim_ids.begin(), claim_ids.end());
    claim_ids.erase(std::unique(claim_ids.begin(), claim_ids.end()), claim_ids.end());
    if (!claim_ids.empty()) {
        for (const auto& claim_id : claim_ids) read(kFindClaimForUpdateSql, {claim_id}, {});
        auto locked = collectPending();
        CG_ASSERT(locked.size() == claim_ids.size(), "one result per locked claim");
        for (std::size_t i = 0; i < claim_ids.size(); ++i) {
            cache_->putClaimById(claim_ids[i], firstClaim(locked[i].get()));
        }
    }
    // The locked row, not the one read before the lock: another batch may have changed it.
    const auto current = [this](const std::optional<ClaimRecord>& read_before) {
        if (!read_before) return std::optional<ClaimRecord>{};
        auto claim = cache_->claimById(read_before->claim_id);
        CG_ASSERT(claim.has_value() && claim->has_value(), "a claim read is never deleted");
        return *claim;
    };
    auto before = unlocked.begin();
    for (const auto& [program, citizen_key] : reads.blocking) {
        auto claim = current(*before++);
        // Voided while this batch waited for it: it blocks nobody now.
        if (claim && !protocols::blocksCitizen(claim->status)) claim.reset();
        cache_->putBlocking(program, citizen_key, std::move(claim));
    }
    for (const auto& [operator_id, code] : reads.claim_codes) {
        cache_->putClaimByCode(operator_id, code, current(*before++));
    }
}

std::optional<ClaimEvent> PostgresLedgerStore::lockChain() {
    CG_ASSERT(in_transaction_, "the chain is locked inside a transaction");
    if (!pipelined_) {
        run(kLockChainSql, {});
        return firstEvent(run(kLastEventSql, {}).get());
    }
    // One round trip, which also checks every write sent so far: a refused one fails the batch
    // here, before it waits for the chain. The head is read by a statement after the lock's, so
    // (READ COMMITTED) it sees every batch that held the lock before this one.
    sendPrepared(kLockChainSql, {}, {});
    pending_.push_back(PendingResult{Expect::command, "chain lock", {}});
    sendPrepared(kLastEventSql, {}, {});
    pending_.push_back(PendingResult{Expect::rows, "chain head", {}});
    auto results = collectPending();
    CG_ASSERT(results.size() == 1, "the chain head is the one read");
    auto head = firstEvent(results.front().get());
    cache_->putLastEvent(head);
    return head;
}

void PostgresLedgerStore::finishOptimisticWrites() { leavePipeline(); }

void PostgresLedgerStore::commit() {
    exec("COMMIT");
    in_transaction_ = false;
}

void PostgresLedgerStore::rollback() {
    abandonPipeline();
    if (!in_transaction_) return;
    in_transaction_ = false;
    if (PQstatus(connection_) == CONNECTION_OK) PQclear(PQexec(connection_, "ROLLBACK"));
}

void PostgresLedgerStore::savepoint() { exec("SAVEPOINT op"); }
void PostgresLedgerStore::releaseSavepoint() { exec("RELEASE SAVEPOINT op"); }
void PostgresLedgerStore::rollbackToSavepoint() {
    exec("ROLLBACK TO SAVEPOINT op");
    exec("RELEASE SAVEPOINT op");
}

std::optional<StoredReply> PostgresLedgerStore::findReply(const std::string& operator_id,
                                                          const std::string& key) {
    if (pipelined_) {
        if (auto known = cache_->reply(operator_id, key)) return *known;
    }
    auto reply = firstReply(run(kFindReplySql, {operator_id, key}).get());
    if (pipelined_) cache_->putReply(operator_id, key, reply);
    return reply;
}

void PostgresLedgerStore::saveReply(const std::string& operator_id, const std::string& key,
                                    const StoredReply& reply, std::int64_t now_millis) {
    write(kSaveReplySql,
          {operator_id, key,
           std::string(reinterpret_cast<const char*>(reply.request_hash.data()),
                       reply.request_hash.size()),
           std::to_string(reply.http_status), reply.body, std::to_string(now_millis)},
          {false, false, true}, Expect::command, "idempotency insert");
    if (pipelined_) cache_->putReply(operator_id, key, reply);
}

std::size_t PostgresLedgerStore::purgeReplies(std::int64_t older_than_millis, std::size_t limit) {
    auto result =
        run("DELETE FROM idempotency WHERE (operator, key) IN (SELECT operator, key "
            "FROM idempotency WHERE created_at < $1 LIMIT $2)",
            {std::to_string(older_than_millis), std::to_string(limit)});
    if (pipelined_) cache_->forgetReplies();
    return static_cast<std::size_t>(result.affected());
}

std::optional<ClaimRecord> PostgresLedgerStore::findBlockingClaim(const std::string& program,
                                                                  const CitizenKey& citizen_key) {
    if (pipelined_) {
        if (auto known = cache_->blocking(program, citizen_key)) return *known;
    }
    auto claim = queryClaim(kFindBlockingSql, kFindBlockingForUpdateSql,
                            {program, bytes(citizen_key)}, {false, true});
    if (pipelined_) cache_->putBlocking(program, citizen_key, claim);
    return claim;
}

std::optional<ClaimRecord> PostgresLedgerStore::findClaim(const std::string& claim_id) {
    if (pipelined_) {
        if (auto known = cache_->claimById(claim_id)) return *known;
    }
    auto claim = queryClaim(kFindClaimSql, kFindClaimForUpdateSql, {claim_id});
    if (pipelined_) cache_->putClaimById(claim_id, claim);
    return claim;
}

std::optional<ClaimRecord> PostgresLedgerStore::findClaimByCode(const std::string& operator_id,
                                                                const std::string& claim_code) {
    if (pipelined_) {
        if (auto known = cache_->claimByCode(operator_id, claim_code)) return *known;
    }
    auto claim =
        queryClaim(kFindClaimByCodeSql, kFindClaimByCodeForUpdateSql, {operator_id, claim_code});
    if (pipelined_) cache_->putClaimByCode(operator_id, claim_code, claim);
    return claim;
}

std::optional<ClaimRecord> PostgresLedgerStore::queryClaim(const std::string& plain_sql,
                                                           const std::string& locking_sql,
                                                           const std::vector<std::string>& params,
                                                           const std::vector<bool>& binary) {
    if (pipelined_) {
        // The batch cache holds every claim the read set named, so this one was not named.
        if (reads_outside_read_set_++ == 0) {
            log::warn("ledger",
                      "a batch read a claim its read set did not name: that row lock is taken "
                      "outside claim-id order, where two nodes' batches can deadlock",
                      {});
        }
    }
    return firstClaim(run(in_transaction_ ? locking_sql : plain_sql, params, binary).get());
}

bool PostgresLedgerStore::claimCodeExists(const std::string& operator_id,
                                          const std::string& claim_code) {
    return findClaimByCode(operator_id, claim_code).has_value();
}

bool PostgresLedgerStore::insertClaim(const ClaimRecord& claim) {
    if (pipelined_) {
        // The batch locked the citizen and read its blocking claim and the code (its read set
        // names both), so a refusal is known here without a round trip. A row the read set
        // did not name (a bench's bare row writes) is not read. Otherwise the insert is
        // expected to land; if a twin lands anyway (a claim code another node minted
        // meanwhile), the batch's check fails it and runBatch re-runs it plainly, where the
        // answer below is exact.
        const auto blocking = cache_->blocking(claim.program, claim.citizen_key);
        const auto by_code = cache_->claimByCode(claim.operator_id, claim.claim_code);
        if ((blocking && *blocking) || (by_code && *by_code)) return false;
        write(kInsertClaimSql, claimInsertParams(claim), {false, false, false, true},
              Expect::one_row, "claim insert (a blocking claim or the code exists)");
        cache_->claimWritten(claim);
        return true;
    }
    return run(kInsertClaimSql, claimInsertParams(claim), {false, false, false, true}).affected() ==
           1;
}

void PostgresLedgerStore::updateClaim(const ClaimRecord& claim) {
    write(kUpdateClaimSql, claimUpdateParams(claim), {}, Expect::one_row, "claim update");
    if (pipelined_) cache_->claimWritten(claim);
}

std::vector<ClaimRecord> PostgresLedgerStore::findExpiredHolds(std::int64_t now_millis,
                                                               std::size_t limit) {
    // SKIP LOCKED: these rows are locked in expiry order, not in the claim-id order of every
    // batch's own row locks (sendOptimisticBegin), so waiting for one could close a deadlock
    // with another node's batch. A hold that some batch has locked is left to the next sweep.
    const std::string sql = std::string("SELECT ") + kClaimColumns +
                            " FROM claims WHERE status = 'held' AND expires_at <= $1 ORDER BY "
                            "expires_at LIMIT $2 FOR UPDATE SKIP LOCKED";
    auto result = run(sql.c_str(), {std::to_string(now_millis), std::to_string(limit)});
    std::vector<ClaimRecord> claims;
    for (int row = 0; row < result.rows(); ++row) claims.push_back(readClaim(result.get(), row));
    return claims;
}

std::int64_t PostgresLedgerStore::countClaims(protocols::ClaimStatus status) {
    auto result = run("SELECT count(*) FROM claims WHERE status = $1",
                      {std::string(protocols::claimStatusName(status))});
    return std::stoll(result.value(0, 0));
}

std::vector<ClaimTotal> PostgresLedgerStore::claimTotals() {
    auto result =
        run("SELECT program, channel, status, count(*), coalesce(sum(amount), 0) "
            "FROM claims GROUP BY program, channel, status",
            {});
    std::vector<ClaimTotal> totals;
    for (int row = 0; row < result.rows(); ++row) {
        const auto channel = protocols::parseChannel(result.value(row, 1));
        const auto status = protocols::parseClaimStatus(result.value(row, 2));
        if (!channel || !status) {
            throw LedgerStoreError("claims row with an unknown channel or status");
        }
        totals.push_back({result.value(row, 0), *channel, *status, std::stoll(result.value(row, 3)),
                          std::stoll(result.value(row, 4))});
    }
    return totals;
}

void PostgresLedgerStore::forEachClaim(const std::function<bool(const ClaimRecord&)>& visit) {
    const std::string sql =
        std::string("SELECT ") + kClaimColumns + " FROM claims ORDER BY claim_id";
    streamRows(sql.c_str(), {},
               [&](pg_result* result, int row) { return visit(readClaim(result, row)); });
}

std::optional<ClaimEvent> PostgresLedgerStore::lastEvent() {
    if (pipelined_) {
        if (auto known = cache_->lastEvent()) return *known;
    }
    auto event = firstEvent(run(kLastEventSql, {}).get());
    if (pipelined_) cache_->putLastEvent(event);
    return event;
}

void PostgresLedgerStore::appendEvent(const ClaimEvent& event) {
    write(kAppendEventSql,
          {std::to_string(event.seq), event.claim_id, event.body, bytes(event.hash)},
          {false, false, false, true}, Expect::command, "chain event insert");
    if (pipelined_) cache_->putLastEvent(event);
}

void PostgresLedgerStore::forEachEvent(const std::function<bool(const ClaimEvent&)>& visit) {
    streamRows("SELECT seq, claim_id, body, hash FROM claim_events ORDER BY seq", {},
               [&](pg_result* result, int row) {
                   ClaimEvent event;
                   event.seq = std::stoll(PQgetvalue(result, row, 0));
                   event.claim_id = PQgetvalue(result, row, 1);
                   event.body = PQgetvalue(result, row, 2);
                   const auto hash = unescapeBytea(PQgetvalue(result, row, 3));
                   if (hash.size() == event.hash.size()) {
                       std::memcpy(event.hash.data(), hash.data(), hash.size());
                   }
                   return visit(event);
               });
}

void PostgresLedgerStore::forEachEventAfter(std::int64_t after_seq, std::size_t limit,
                                            const std::function<bool(const ClaimEvent&)>& visit) {
    auto result =
        run("SELECT seq, claim_id, body, hash FROM claim_events WHERE seq > $1 "
            "ORDER BY seq LIMIT $2",
            {std::to_string(after_seq), std::to_string(limit)});
    for (int row = 0; row < result.rows(); ++row) {
        ClaimEvent event;
        event.seq = std::stoll(result.value(row, 0));
        event.claim_id = result.value(row, 1);
        event.body = result.value(row, 2);
        event.hash = keyFrom(unescapeBytea(result.value(row, 3)));
        if (!visit(event)) break;
    }
}

void PostgresLedgerStore::putProgram(const protocols::Program& program) {
    run("INSERT INTO programs (id, body) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET body = "
        "excluded.body",
        {program.id, program.toJson().dump()});
}

std::vector<protocols::Program> PostgresLedgerStore::loadPrograms() {
    auto result = run("SELECT body FROM programs ORDER BY id", {});
    std::vector<protocols::Program> programs;
    for (int row = 0; row < result.rows(); ++row) {
        auto program = protocols::Program::fromJson(result.value(row, 0));
        if (!program) throw LedgerStoreError("stored program is invalid");
        programs.push_back(std::move(program).value());
    }
    return programs;
}

void PostgresLedgerStore::upsertRosterRow(const RosterRow& row) {
    std::string proxies;
    for (const auto& proxy : row.proxies) proxies += bytes(proxy);
    // Binary bytea parameters cannot be NULL through an empty string, so NULLs are spelled out.
    const bool has_nhi = row.nhi_hash.has_value();
    const bool has_proxies = !proxies.empty();
    const std::string sql =
        std::string(
            "INSERT INTO roster (program, citizen_key, nhi_hash, amount, proxies, "
            "claim_by, excluded, version, removed) VALUES ($1, $2, ") +
        (has_nhi ? "$3" : "NULL::bytea || $3") + ", $4, " +
        (has_proxies ? "$5" : "NULL::bytea || $5") +
        ", $6, $7, $8, $9) ON CONFLICT (program, citizen_key) DO UPDATE SET nhi_hash = "
        "excluded.nhi_hash, amount = excluded.amount, proxies = excluded.proxies, claim_by = "
        "excluded.claim_by, excluded = excluded.excluded, version = excluded.version, "
        "removed = excluded.removed";
    run(sql.c_str(),
        {row.program, bytes(row.citizen_key), has_nhi ? bytes(*row.nhi_hash) : std::string(),
         std::to_string(row.amount), proxies, std::to_string(static_cast<int>(row.claim_by)),
         row.excluded.value_or(""), std::to_string(row.version), row.removed ? "true" : "false"},
        {false, true, true, false, true});
}

void PostgresLedgerStore::removeRosterRow(const std::string& program, const CitizenKey& citizen_key,
                                          std::int64_t version) {
    run("UPDATE roster SET removed = true, version = $3 WHERE program = $1 AND citizen_key = $2",
        {program, bytes(citizen_key), std::to_string(version)}, {false, true, false});
}

std::int64_t PostgresLedgerStore::countRosterRows(const std::string& program) {
    return std::stoll(
        run("SELECT count(*) FROM roster WHERE program = $1 AND NOT removed", {program})
            .value(0, 0));
}

RosterRow PostgresLedgerStore::readRosterRow(pg_result* result, int index) {
    RosterRow row;
    row.program = PQgetvalue(result, index, 0);
    row.citizen_key = keyFrom(unescapeBytea(PQgetvalue(result, index, 1)));
    if (!PQgetisnull(result, index, 2)) {
        row.nhi_hash = keyFrom(unescapeBytea(PQgetvalue(result, index, 2)));
    }
    row.amount = std::stoll(PQgetvalue(result, index, 3));
    if (!PQgetisnull(result, index, 4)) {
        const auto proxies = unescapeBytea(PQgetvalue(result, index, 4));
        for (std::size_t at = 0; at + 32 <= proxies.size(); at += 32) {
            row.proxies.push_back(keyFrom(proxies.substr(at, 32)));
        }
    }
    row.claim_by = static_cast<protocols::ClaimBy>(std::atoi(PQgetvalue(result, index, 5)));
    row.excluded = optionalText(result, index, 6);
    row.version = std::stoll(PQgetvalue(result, index, 7));
    row.removed = PQgetvalue(result, index, 8)[0] == 't';
    return row;
}

void PostgresLedgerStore::forEachRosterRow(const std::string& program,
                                           const std::function<void(const RosterRow&)>& visit) {
    streamRows((std::string("SELECT ") + kRosterColumns +
                " FROM roster WHERE program = $1 AND NOT removed")
                   .c_str(),
               {program}, [&](pg_result* result, int index) {
                   visit(readRosterRow(result, index));
                   return true;
               });
}

void PostgresLedgerStore::forEachBlockingClaim(
    const std::function<void(const std::string&, const CitizenKey&, protocols::ClaimStatus,
                             protocols::Channel, std::int64_t)>& visit) {
    streamRows(
        "SELECT program, citizen_key, status, channel, coalesce(paid_at, held_at) FROM "
        "claims WHERE status IN ('held', 'in_doubt', 'paid')",
        {}, [&](pg_result* result, int row) {
            const auto status = protocols::parseClaimStatus(PQgetvalue(result, row, 2));
            const auto channel = protocols::parseChannel(PQgetvalue(result, row, 3));
            if (!status || !channel) throw LedgerStoreError("unknown claim status");
            visit(PQgetvalue(result, row, 0), keyFrom(unescapeBytea(PQgetvalue(result, row, 1))),
                  *status, *channel, std::stoll(PQgetvalue(result, row, 4)));
            return true;
        });
}

std::optional<std::string> PostgresLedgerStore::getMeta(const std::string& key) {
    // Read to be written back (the in_doubt counter): no other node's batch may change it
    // until this transaction ends. A lock on the key, not the row: the row may not exist yet.
    if (in_transaction_) run(kLockMetaSql, {key});
    auto result = run("SELECT value FROM meta WHERE key = $1", {key});
    if (result.rows() == 0) return std::nullopt;
    return std::string(result.value(0, 0));
}

void PostgresLedgerStore::putMeta(const std::string& key, const std::string& value) {
    write(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = "
        "excluded.value",
        {key, value}, {}, Expect::command, "meta upsert");
}

// ---- Roster versions (live roster changes, contracts §6), the bulk roster load (one binary
// COPY; into a staging table and one set-based merge when the program has rows) and
// LISTEN/NOTIFY for the nodes that follow them.
namespace {

// Roster transactions serialise on their own lock, not on the chain's: versions then commit
// in order, and a long import does not stall claim batches.
constexpr std::int64_t kRosterAdvisoryLockId = 72025;
constexpr const char* kRosterChannel = "claimgate_roster";

// COPY's binary format (PostgreSQL docs, "COPY", "Binary Format"): the server stores the bytes
// as they come, where the text format made it decode two 64-digit hex strings and parse four
// numbers per roster row.
constexpr char kCopyBinarySignature[] = "PGCOPY\n\377\r\n";  // + its NUL: 11 bytes
static_assert(sizeof kCopyBinarySignature == 11, "the signature is 11 bytes, its NUL included");

template <typename Integer>
void appendBigEndian(std::string& out, Integer value) {
    auto bits = static_cast<std::make_unsigned_t<Integer>>(value);
    char bytes[sizeof(Integer)];
    for (std::size_t i = sizeof(Integer); i-- > 0;) {
        bytes[i] = static_cast<char>(bits & 0xFFU);
        bits = static_cast<decltype(bits)>(bits >> 8U);
    }
    out.append(bytes, sizeof bytes);
}

void appendCopyNull(std::string& out) { appendBigEndian<std::int32_t>(out, -1); }

void appendCopyBytes(std::string& out, const void* bytes, std::size_t size) {
    appendBigEndian(out, static_cast<std::int32_t>(size));
    out.append(static_cast<const char*>(bytes), size);
}

template <typename Integer>
void appendCopyInteger(std::string& out, Integer value) {
    appendBigEndian(out, static_cast<std::int32_t>(sizeof(Integer)));
    appendBigEndian(out, value);
}

}  // namespace

void PostgresLedgerStore::beginRoster() {
    if (PQstatus(connection_) != CONNECTION_OK) connect();
    try {
        exec("BEGIN");
    } catch (const LedgerStoreError&) {
        connect();  // see begin(): a cut idle connection fails on first use
        exec("BEGIN");
    }
    in_transaction_ = true;
    exec(("SELECT pg_advisory_xact_lock(" + std::to_string(kRosterAdvisoryLockId) + ")").c_str());
}

std::int64_t PostgresLedgerStore::newRosterVersion(const std::string& program,
                                                   const std::string& source,
                                                   std::int64_t now_millis) {
    // Under the roster lock (beginRoster), so versions are taken and committed in order.
    auto next = run("SELECT coalesce(max(version), 0) + 1 FROM roster_versions", {});
    const std::string version = next.value(0, 0);
    run("INSERT INTO roster_versions (version, program, source, created_at) "
        "VALUES ($1, $2, $3, $4)",
        {version, program, source, std::to_string(now_millis)});
    // Delivered at COMMIT, so a listener never reads ahead of the data.
    run("SELECT pg_notify($1, $2)", {kRosterChannel, version});
    return std::stoll(version);
}

std::int64_t PostgresLedgerStore::latestRosterVersion() {
    return std::stoll(run("SELECT coalesce(max(version), 0) FROM roster_versions", {}).value(0, 0));
}

std::map<std::string, std::int64_t> PostgresLedgerStore::rosterVersions(std::int64_t up_to) {
    auto result =
        run("SELECT program, max(version) FROM roster_versions WHERE version <= $1 "
            "GROUP BY program",
            {std::to_string(up_to)});
    std::map<std::string, std::int64_t> versions;
    for (int i = 0; i < result.rows(); ++i) {
        versions[result.value(i, 0)] = std::stoll(result.value(i, 1));
    }
    return versions;
}

void PostgresLedgerStore::forEachRosterChange(std::int64_t after, std::int64_t up_to,
                                              const std::function<bool(const RosterRow&)>& visit) {
    streamRows((std::string("SELECT ") + kRosterColumns +
                " FROM roster WHERE version > $1 AND version <= $2 ORDER BY version")
                   .c_str(),
               {std::to_string(after), std::to_string(up_to)},
               [&](pg_result* result, int index) { return visit(readRosterRow(result, index)); });
}

std::int64_t PostgresLedgerStore::countRosterChanges(std::int64_t after, std::int64_t up_to) {
    return std::stoll(run("SELECT count(*) FROM roster WHERE version > $1 AND version <= $2",
                          {std::to_string(after), std::to_string(up_to)})
                          .value(0, 0));
}

std::int64_t PostgresLedgerStore::removeRosterRowsNotIn(const std::string& program,
                                                        std::int64_t version) {
    return run("UPDATE roster SET removed = true, version = $1 WHERE program = $2 AND "
               "version <> $1 AND NOT removed",
               {std::to_string(version), program})
        .affected();
}

void PostgresLedgerStore::loadRosterRows(RosterRowSource& rows) {
    const RosterRow* row_pointer = rows.next();
    if (row_pointer == nullptr) return;
    const std::string program = row_pointer->program;
    // A program with no rows yet (the national import before a campaign opens) gets its rows
    // by COPY straight into roster: they are sorted, each key once, and beginRoster's lock keeps
    // every other roster writer out, so nothing can conflict. Otherwise COPY into a
    // session-private staging table, then one set-based merge. Either way a national roster
    // takes one or two statements instead of 23 million round trips; the direct COPY spares
    // the staging table's write and read and the upsert's speculative insertion (2M rows:
    // 7.6 s against 13.6 s, docs/performance.md).
    const bool fresh_program =
        run("SELECT NOT EXISTS (SELECT 1 FROM roster WHERE program = $1)", {program}).value(0, 0) ==
        std::string("t");
    if (!fresh_program) {
        exec(
            "CREATE TEMP TABLE IF NOT EXISTS roster_staging (LIKE roster INCLUDING DEFAULTS) "
            "ON COMMIT DELETE ROWS");
    }
    {
        Query copy(PQexec(connection_,
                          (std::string("COPY ") + (fresh_program ? "roster" : "roster_staging") +
                           " (" + kRosterColumns + ") FROM STDIN (FORMAT binary)")
                              .c_str()));
        if (PQresultStatus(copy.get()) != PGRES_COPY_IN) {
            throw LedgerStoreError(std::string("postgres: COPY: ") + PQerrorMessage(connection_));
        }
    }
    std::string buffer;
    buffer.reserve(1 << 20);
    auto flush = [&] {
        if (PQputCopyData(connection_, buffer.data(), static_cast<int>(buffer.size())) != 1) {
            throw LedgerStoreError(std::string("postgres: COPY: ") + PQerrorMessage(connection_));
        }
        buffer.clear();
    };
    buffer.append(kCopyBinarySignature, sizeof kCopyBinarySignature);  // with its NUL
    appendBigEndian<std::int32_t>(buffer, 0);                          // flags: no OIDs
    appendBigEndian<std::int32_t>(buffer, 0);                          // no header extension
    constexpr std::int16_t kRosterColumnCount = 9;  // kRosterColumns, in that order
    std::string proxies;
    for (; row_pointer != nullptr; row_pointer = rows.next()) {
        const RosterRow& row = *row_pointer;
        if (row.program != program) {
            PQputCopyEnd(connection_, "claimgate: rows of two programs in one load");
            while (pg_result* raw = PQgetResult(connection_)) PQclear(raw);
            throw LedgerStoreError("postgres: loadRosterRows: rows of two programs in one load");
        }
        appendBigEndian(buffer, kRosterColumnCount);
        appendCopyBytes(buffer, row.program.data(), row.program.size());
        appendCopyBytes(buffer, row.citizen_key.data(), row.citizen_key.size());
        if (row.nhi_hash) {
            appendCopyBytes(buffer, row.nhi_hash->data(), row.nhi_hash->size());
        } else {
            appendCopyNull(buffer);
        }
        appendCopyInteger<std::int64_t>(buffer, row.amount);
        if (row.proxies.empty()) {
            appendCopyNull(buffer);
        } else {
            proxies.clear();
            for (const auto& proxy : row.proxies) {
                proxies.append(reinterpret_cast<const char*>(proxy.data()), proxy.size());
            }
            appendCopyBytes(buffer, proxies.data(), proxies.size());
        }
        appendCopyInteger<std::int16_t>(buffer, static_cast<std::int16_t>(row.claim_by));
        if (row.excluded) {
            appendCopyBytes(buffer, row.excluded->data(), row.excluded->size());
        } else {
            appendCopyNull(buffer);
        }
        appendCopyInteger<std::int64_t>(buffer, row.version);
        appendBigEndian<std::int32_t>(buffer, 1);
        buffer.push_back(row.removed ? '\1' : '\0');
        if (buffer.size() > (1 << 20) - 1024) flush();
    }
    appendBigEndian<std::int16_t>(buffer, -1);  // the file trailer
    flush();
    if (PQputCopyEnd(connection_, nullptr) != 1) {
        throw LedgerStoreError(std::string("postgres: COPY: ") + PQerrorMessage(connection_));
    }
    std::string error;
    while (pg_result* raw = PQgetResult(connection_)) {
        if (PQresultStatus(raw) != PGRES_COMMAND_OK) error = PQerrorMessage(connection_);
        PQclear(raw);
    }
    if (!error.empty()) throw LedgerStoreError("postgres: COPY: " + error);
    if (fresh_program) return;
    exec(
        "INSERT INTO roster SELECT * FROM roster_staging ON CONFLICT (program, citizen_key) DO "
        "UPDATE SET nhi_hash = excluded.nhi_hash, amount = excluded.amount, proxies = "
        "excluded.proxies, claim_by = excluded.claim_by, excluded = excluded.excluded, "
        "version = excluded.version, removed = excluded.removed");
    exec("TRUNCATE roster_staging");
}

bool PostgresLedgerStore::waitForRosterNews(std::chrono::milliseconds timeout) {
    if (PQstatus(connection_) != CONNECTION_OK) {
        connect();
        listening_ = false;
    }
    if (!listening_) {
        exec((std::string("LISTEN ") + kRosterChannel).c_str());
        listening_ = true;
    }
    bool notified = false;
    auto drain = [&] {
        if (PQconsumeInput(connection_) != 1) {
            listening_ = false;
            throw LedgerStoreError(std::string("postgres: ") + PQerrorMessage(connection_));
        }
        while (PGnotify* notify = PQnotifies(connection_)) {
            notified = true;
            PQfreemem(notify);
        }
    };
    drain();
    if (notified) return true;
    pollfd socket{PQsocket(connection_), POLLIN, 0};
    if (socket.fd < 0) return false;
    if (::poll(&socket, 1, static_cast<int>(timeout.count())) > 0) drain();
    return notified;
}

}  // namespace claimgate::gateway
