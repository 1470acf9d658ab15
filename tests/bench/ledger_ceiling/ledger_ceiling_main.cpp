// claimgate-ledger-bench: how many claims per second the ledger itself can make durable, with no
// HTTP, TLS or request threads in front of it. Two modes, both batched like the gateway's writer:
//   rows    exactly the rows a claim costs (hold: claim insert, event append, idempotency reply;
//           commit: claim update, event append, idempotency reply) through the LedgerStore
//           primitives in the backend's batch mode (LedgerStore::beginOptimisticBatch), the
//           chain head read once per batch: the engine's ceiling.
//   engine  the same claims as HoldOperation / CommitOperation through ClaimEngine and runBatch
//           (ids, codes, JSON bodies, rendering, receipt signatures with --pki): the writer's
//           own cost on top of the rows.
// Holds of a batch are one transaction, their commits the next, as a terminal's hold then
// commit would land in consecutive group commits. Prints one JSON line.
//
// The keys have the gateway's shapes, because where a row lands in its index is most of what
// it costs: claim codes are random, as the gateway mints them, and Idempotency-Keys come from
// --terminals streams, each one terminal's own sequence, as `claimgate-sim load` sends them.
// Sequential keys ("h-1", "h-2", ...) append to one leaf page per index and measured ~1.6x this
// ceiling (docs/performance.md, "The ceiling wrote friendlier keys than the gateway's").
#include <claimgate/gateway/claim_reply_renderer.hpp>
#include <claimgate/ledger/batch_runner.hpp>
#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/clock.hpp>
#include <claimgate/ledger/data_dir.hpp>
#include <claimgate/ledger/hash_chain.hpp>
#include <claimgate/ledger/heap_retention.hpp>
#include <claimgate/ledger/ledger_factory.hpp>
#include <claimgate/ledger/limits.hpp>
#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/ecdsa_signer.hpp>
#include <claimgate/protocols/limits.hpp>

#include <nlohmann/json.hpp>

#include "roster/feistel_permutation.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace claimgate;
using protocols::ClaimStatus;

/// Bytes this process has caused to be written to storage so far (Linux /proc/self/io, the
/// WAL, its checkpoints and the database file alike); nullopt where the kernel does not count.
std::optional<std::uint64_t> storageBytesWritten() {
    std::FILE* io = std::fopen("/proc/self/io", "r");
    if (io == nullptr) return std::nullopt;
    std::optional<std::uint64_t> written;
    char line[128];
    while (std::fgets(line, sizeof line, io) != nullptr) {
        unsigned long long value = 0;
        if (std::sscanf(line, "write_bytes: %llu", &value) == 1) written = value;
    }
    std::fclose(io);
    return written;
}

/// User + system CPU of the whole process so far, in seconds.
double processCpuSeconds() {
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0.0;
    auto seconds = [](const timeval& time) {
        return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

constexpr const char* kUsage =
    "usage: claimgate-ledger-bench --data-dir DIR [--ledger sqlite|postgresql://...]\n"
    "                              [--claims N] [--batch N] [--mode rows|engine] [--pki DIR]\n"
    "                              [--terminals N]\n"
    "  --claims  claims to make and pay (default 20000)\n"
    "  --batch   operations per transaction, like --commit-batch-max (default 64)\n"
    "  --mode    rows (default): the row writes only; engine: through ClaimEngine + runBatch\n"
    "  --pki     engine mode signs receipts with DIR/receipt.key, as the gateway does\n"
    "  --terminals  Idempotency-Key streams, one per terminal of the load compared with\n"
    "               (default 64)\n";
constexpr std::size_t kClaimsMax = 10'000'000;
// A national fleet is ~40,000 terminals; more streams than that measure nothing new.
constexpr std::size_t kTerminalsMax = 100'000;

struct Options {
    std::string data_dir;
    std::string ledger = "sqlite";
    std::size_t claims = 20'000;
    std::size_t batch = 64;
    std::string mode = "rows";
    std::string pki;
    std::size_t terminals = 64;
};

bool parseSize(const char* text, std::size_t max, std::size_t& out) {
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0' || value == 0 || value > max) return false;
    out = static_cast<std::size_t>(value);
    return true;
}

std::string claimId(std::size_t i) { return "c_bench" + std::to_string(i); }
gateway::CitizenKey citizenKey(std::size_t i) {
    return protocols::sha256("bench-citizen-" + std::to_string(i));
}

/// A claim code of the gateway's length, its digits spread over the index as minted ones are
/// (a random serial, then a tag); the same codes in every run (the roster generator's mixer).
std::string claimCodeOf(std::size_t i) {
    static_assert(protocols::kClaimCodeSerialDigits == 12 && protocols::kClaimCodeTagDigits == 8);
    char text[protocols::kClaimCodeDigits + 1];
    std::snprintf(text, sizeof text, "%012llu%08llu",
                  static_cast<unsigned long long>(simulators::mix64(2 * i) % 1'000'000'000'000ULL),
                  static_cast<unsigned long long>(simulators::mix64(2 * i + 1) % 100'000'000ULL));
    return text;
}

/// The key `claimgate-sim load` sends: run tag, terminal, that terminal's sequence, h or c.
/// Claim i is terminal (i mod terminals)'s (i div terminals)-th.
std::string keyOf(char what, std::size_t i, std::size_t terminals) {
    std::string key = "L00c1a1e7ea-";
    key.append(std::to_string(i % terminals)).append("-").append(std::to_string(i / terminals));
    key.push_back(what);
    return key;
}

class RowWriter {
public:
    RowWriter(gateway::LedgerStore& store, std::size_t terminals)
        : store_(store), terminals_(terminals) {}

    void batch(std::size_t first, std::size_t count, bool commit_phase, std::int64_t now) {
        // The backend's fastest batch (PostgreSQL: pipelined writes, one round trip for the
        // chain head), as runBatch uses it: a ceiling, not a handicap.
        store_.beginOptimisticBatch(gateway::BatchReadSet{});
        const auto last = store_.lastEvent();
        head_ = last ? gateway::ChainHead{last->seq, last->hash} : gateway::ChainHead{};
        for (std::size_t i = first; i < first + count; ++i) {
            gateway::ClaimRecord claim = record(i, now);
            if (commit_phase) {
                claim.status = ClaimStatus::paid;
                claim.paid_at = now;
                claim.terminal_ref = "T" + std::to_string(i);
                store_.updateClaim(claim);
            } else if (!store_.insertClaim(claim)) {
                throw gateway::LedgerStoreError("bench claim refused: is the ledger fresh?");
            }
            append(claim, commit_phase ? "paid" : "held", now);
            store_.saveReply(
                "BANK004", keyOf(commit_phase ? 'c' : 'h', i, terminals_),
                gateway::StoredReply{claim.citizen_key, commit_phase ? 200 : 201, reply_body_},
                now);
        }
        store_.finishOptimisticWrites();
        store_.commit();
    }

private:
    static gateway::ClaimRecord record(std::size_t i, std::int64_t now) {
        gateway::ClaimRecord claim;
        claim.claim_id = claimId(i);
        claim.claim_code = claimCodeOf(i);
        claim.program = "BENCH";
        claim.citizen_key = citizenKey(i);
        claim.citizen_mask = "A12*****89";
        claim.operator_id = "BANK004";
        claim.terminal_id = "atm-0001";
        claim.amount = 6000;
        claim.held_at = now;
        claim.expires_at = now + 120'000;
        return claim;
    }
    void append(const gateway::ClaimRecord& claim, const char* type, std::int64_t now) {
        gateway::ClaimEvent event;
        event.seq = head_.seq + 1;
        event.claim_id = claim.claim_id;
        event.body = gateway::claimEventBody(event.seq, claim, type, now, claim.terminal_id);
        event.hash = gateway::chainLink(head_.hash, event.body);
        store_.appendEvent(event);
        head_ = gateway::ChainHead{event.seq, event.hash};
    }

    gateway::LedgerStore& store_;
    std::size_t terminals_;
    gateway::ChainHead head_;
    // A reply of the gateway's size (a hold's 201 body is ~250 bytes).
    std::string reply_body_ = std::string(250, 'x');
};

class EngineWriter {
public:
    EngineWriter(gateway::LedgerStore& store, std::shared_ptr<protocols::EcdsaSigner> signer,
                 std::size_t terminals)
        : store_(store),
          terminals_(terminals),
          clock_(std::make_shared<gateway::SystemClock>()),
          engine_(clock_, gateway::kIdempotencyRetentionMillisDefault,
                  gateway::ClaimReplyRenderer(std::move(signer)),
                  /*render_in_background=*/true) {}  // as the gateway runs it

    void batch(std::size_t first, std::size_t count, bool commit_phase) {
        operations_.clear();
        for (std::size_t i = first; i < first + count; ++i) {
            gateway::TerminalIdentity terminal{"atm-0001", "BANK004", protocols::Channel::atm};
            if (commit_phase) {
                gateway::CommitOperation commit;
                commit.terminal = terminal;
                commit.idempotency = {keyOf('c', i, terminals_), citizenKey(i)};
                commit.claim_ref = held_ids_.at(i);
                commit.amount = 6000;
                commit.terminal_ref = "T" + std::to_string(i);
                operations_.push_back(std::move(commit));
            } else {
                gateway::HoldOperation hold;
                hold.terminal = terminal;
                hold.idempotency = {keyOf('h', i, terminals_), citizenKey(i)};
                hold.program = "BENCH";
                hold.citizen_key = citizenKey(i);
                hold.citizen_mask = "A12*****89";
                hold.amount = 6000;
                // The service mints codes before the writer.
                hold.claim_code = claimCodeOf(i);
                hold.ttl_millis = 120'000;
                hold.currency = "TWD";
                operations_.push_back(std::move(hold));
            }
        }
        const auto result = gateway::runBatch(store_, engine_, operations_, replies_);
        if (!result.committed) throw gateway::LedgerStoreError(result.error);
        for (std::size_t k = 0; k < replies_.size(); ++k) {
            const auto& reply = replies_[k];
            const bool ok = commit_phase ? reply.outcome == gateway::LedgerOutcome::done
                                         : reply.outcome == gateway::LedgerOutcome::created;
            if (!ok) throw gateway::LedgerStoreError("bench operation refused: " + reply.body);
            if (!commit_phase) held_ids_.push_back(reply.claim->claim_id);
        }
    }

private:
    gateway::LedgerStore& store_;
    std::size_t terminals_;
    gateway::ClockPtr clock_;
    gateway::ClaimEngine engine_;
    std::vector<gateway::LedgerOperation> operations_;
    std::vector<gateway::LedgerReply> replies_;
    std::vector<std::string> held_ids_;
};

int run(const Options& options) {
    if (const auto made = gateway::DataDir(options.data_dir).ensureExists(); !made.ok()) {
        std::fprintf(stderr, "claimgate-ledger-bench: %s\n", made.message().c_str());
        return 1;
    }
    auto opened = gateway::openLedgerStore(options.data_dir, options.ledger);
    if (!opened) {
        std::fprintf(stderr, "claimgate-ledger-bench: %s\n", opened.status().message().c_str());
        return 1;
    }
    gateway::LedgerStore& store = *opened.value();
    // As on a serving node: checkpoints off the writer, in both modes, so the ceiling and the
    // engine pay the same for the WAL.
    store.startBackgroundCheckpoints();
    std::shared_ptr<protocols::EcdsaSigner> signer;
    if (!options.pki.empty()) {
        auto loaded = protocols::EcdsaSigner::fromPemFile(options.pki + "/receipt.key");
        if (!loaded) {
            std::fprintf(stderr, "claimgate-ledger-bench: %s\n", loaded.status().message().c_str());
            return 1;
        }
        signer = loaded.value();
    }
    RowWriter rows(store, options.terminals);
    EngineWriter engine(store, signer, options.terminals);
    const gateway::SystemClock clock;
    const double cpu_before = processCpuSeconds();
    const auto written_before = storageBytesWritten();
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t first = 0; first < options.claims; first += options.batch) {
        const std::size_t count = std::min(options.batch, options.claims - first);
        for (const bool commit_phase : {false, true}) {
            if (options.mode == "rows") {
                rows.batch(first, count, commit_phase, clock.nowMillis());
            } else {
                engine.batch(first, count, commit_phase);
            }
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // Every thread of the process (writer, render, checkpoint): the gateway bench prints it
    // beside a claim's CPU through the gateway.
    const double cpu_seconds = processCpuSeconds() - cpu_before;
    // Where the rows land decides how many pages each transaction dirties, and every dirty page
    // is written twice: as a WAL frame, then by a checkpoint.
    const auto written_after = storageBytesWritten();
    nlohmann::json storage_bytes_per_claim = nullptr;
    if (written_before && written_after) {
        storage_bytes_per_claim = static_cast<double>(*written_after - *written_before) /
                                  static_cast<double>(options.claims);
    }
    const nlohmann::json result = {
        {"backend", gateway::isPostgresLedger(options.ledger) ? "postgresql" : "sqlite"},
        {"mode", options.mode},
        {"claims", options.claims},
        {"batch", options.batch},
        {"terminals", options.terminals},
        {"seconds", seconds},
        {"claims_per_s", static_cast<double>(options.claims) / seconds},
        {"cpu_seconds", cpu_seconds},
        {"cpu_us_per_claim", cpu_seconds * 1e6 / static_cast<double>(options.claims)},
        {"storage_bytes_per_claim", storage_bytes_per_claim}};
    std::printf("%s\n", result.dump().c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // As the gateway does: the ceiling is measured with the same allocator settings.
    (void)gateway::retainFreedHeapMemory();
    Options options;
    // A number out of range is an error, never a silent default: a bench that ran with other
    // settings than asked would print a figure for the wrong thing.
    auto outOfRange = [](const std::string& option, const char* value, std::size_t max) {
        std::fprintf(stderr,
                     "claimgate-ledger-bench: %s wants a whole number from 1 to %zu, not '%s'\n",
                     option.c_str(), max, value);
        return 2;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        const bool has_value = i + 1 < argc;
        if (argument == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (argument == "--data-dir" && has_value) {
            options.data_dir = argv[++i];
        } else if (argument == "--ledger" && has_value) {
            options.ledger = argv[++i];
        } else if (argument == "--claims" && has_value) {
            if (!parseSize(argv[++i], kClaimsMax, options.claims)) {
                return outOfRange(argument, argv[i], kClaimsMax);
            }
        } else if (argument == "--batch" && has_value) {
            if (!parseSize(argv[++i], gateway::kCommitBatchMaxLimit, options.batch)) {
                return outOfRange(argument, argv[i], gateway::kCommitBatchMaxLimit);
            }
        } else if (argument == "--mode" && has_value) {
            options.mode = argv[++i];
        } else if (argument == "--pki" && has_value) {
            options.pki = argv[++i];
        } else if (argument == "--terminals" && has_value) {
            if (!parseSize(argv[++i], kTerminalsMax, options.terminals)) {
                return outOfRange(argument, argv[i], kTerminalsMax);
            }
        } else {
            std::fprintf(stderr, "claimgate-ledger-bench: bad option '%s'\n%s", argument.c_str(),
                         kUsage);
            return 2;
        }
    }
    if (options.data_dir.empty() || (options.mode != "rows" && options.mode != "engine")) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    try {
        return run(options);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "claimgate-ledger-bench: %s\n", error.what());
        return 1;
    }
}
