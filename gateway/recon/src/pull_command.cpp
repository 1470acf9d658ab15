// `claimgate-recon pull` (contracts §8, §11): programs, roster pages and payouts made by other
// channels, fetched from the payout platform over T-Road and applied to the gateway's ledger.
//
// Crash safety: each page is applied in ONE ledger transaction together with the cursor that
// follows it (meta recon.roster_cursor.<program> / recon.payout_cursor.<program>), so a pull
// that dies anywhere resumes after the last applied page and never applies a page twice. A page
// whose platform signature does not verify is refused by the client before anything is applied.
// Plaintext IDs live only in the decoded page in memory: they are HMAC'd before the ledger sees
// them and never printed.
#include "commands.hpp"
#include "troad_link_options.hpp"

#include <claimgate/gateway/roster_importer.hpp>
#include <claimgate/ledger/batch_runner.hpp>
#include <claimgate/ledger/claim_engine.hpp>
#include <claimgate/ledger/data_dir.hpp>
#include <claimgate/ledger/ledger_factory.hpp>

#include <claimgate/gateway/limits.hpp>
#include <claimgate/ledger/clock.hpp>
#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/citizen_keys.hpp>
#include <claimgate/protocols/time_format.hpp>
#include <claimgate/troad/platform_link.hpp>
#include <claimgate/troad/troad_limits.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace claimgate::recon {
namespace {

using protocols::ErrorCode;
using protocols::Status;

constexpr const char* kPullUsage =
    "Fetches programs, roster pages and payouts made by other channels from the payout\n"
    "platform over T-Road and applies them to the ledger, one transaction per page with its\n"
    "cursor, so an interrupted pull resumes where it stopped. Every exchange is appended to\n"
    "DIR/transfer.log.\n"
    "\n"
    "usage: claimgate-recon pull --data-dir DIR --pki-dir DIR --troad https://HOST:PORT\n"
    "         [--ledger sqlite|postgresql://...] [--pepper-file F] [--page-size N]\n"
    "         [--pages-max N]\n"
    "\n"
    "  --data-dir DIR      the gateway's data dir (required)\n"
    "  --pki-dir DIR       troad/client.pem/.key, troad/platform.pem, ca.pem (required)\n"
    "  --troad URL         the T-Road security server (required)\n"
    "  --ledger URI        sqlite or postgresql://... (default sqlite: DIR/ledger.db)\n"
    "  --pepper-file F     HMAC key shared by a cluster (default: DIR/pepper)\n"
    "  --page-size N       entries per page asked for (default 1000, at most 5000)\n"
    "  --pages-max N       stop after N pages, for staged pulls and tests (default 0 = all)\n";

constexpr std::size_t kPullPageSizeDefault = 1000;

struct PullTotals {
    std::uint64_t programs = 0;
    std::uint64_t pages = 0;
    std::uint64_t added = 0;
    std::uint64_t updated = 0;
    std::uint64_t removed = 0;
    std::uint64_t payouts_imported = 0;
    std::uint64_t payouts_known = 0;     // imported by an earlier pull (idempotent replay)
    std::uint64_t payouts_conflict = 0;  // the citizen already had a blocking terminal claim
};

std::string rosterCursorKey(const std::string& program) { return "recon.roster_cursor." + program; }
std::string payoutCursorKey(const std::string& program) { return "recon.payout_cursor." + program; }

class Puller {
public:
    Puller(gateway::LedgerStore& store, troad::PlatformClient& client, std::string pepper,
           std::size_t page_size, std::uint64_t pages_max)
        : store_(store),
          client_(client),
          keys_(std::move(pepper)),
          page_size_(page_size),
          pages_max_(pages_max),
          engine_(std::make_shared<gateway::SystemClock>(),
                  gateway::kIdempotencyRetentionMillisDefault),
          tty_(::isatty(STDERR_FILENO) == 1) {}

    Status run() {
        auto programs = client_.listPrograms();
        if (!programs) return programs.status();
        operations_.clear();
        Status status = transaction([&](gateway::LedgerStore& store) {
            for (const auto& program : programs->value) store.putProgram(program);
        });
        if (!status.ok()) return status;
        totals_.programs = programs->value.size();
        for (const auto& program : programs->value) {
            if (status = pullRoster(program.id); !status.ok()) return status;
            if (status = pullPayouts(program.id); !status.ok()) return status;
            if (stopped_) break;
        }
        if (tty_) std::fputc('\n', stderr);
        return Status::okStatus();
    }

    [[nodiscard]] const PullTotals& totals() const { return totals_; }
    [[nodiscard]] bool stopped() const { return stopped_; }

private:
    /// One ledger transaction through the ledger's batch driver: `operations` (payouts) and
    /// then `extra` (the page cursor), all or nothing.
    Status transaction(const gateway::BatchExtra& extra) {
        const gateway::BatchResult result = gateway::runBatch(
            store_, engine_, operations_, replies_, extra, gateway::OnRefusal::fail_batch);
        if (!result.committed) {
            return Status(ErrorCode::internal, "ledger update failed: " + result.error);
        }
        return Status::okStatus();
    }

    /// A roster page: a roster transaction (beginRoster(), serialised with other roster
    /// changes so versions commit in order, contracts §6). It carries no claim operations, so
    /// it does not go through runBatch().
    Status rosterTransaction(const std::function<void()>& body) {
        try {
            store_.beginRoster();
            body();
            store_.commit();
        } catch (const std::exception& error) {
            try {
                store_.rollback();
            } catch (const std::exception&) {
                // The connection is gone; the transaction died with it.
            }
            return Status(ErrorCode::internal,
                          std::string("ledger update failed: ") + error.what());
        }
        return Status::okStatus();
    }

    bool pageBudgetLeft() {
        if (pages_max_ != 0 && totals_.pages >= pages_max_) stopped_ = true;
        return !stopped_;
    }

    Status pullRoster(const std::string& program) {
        std::string cursor = store_.getMeta(rosterCursorKey(program)).value_or("");
        for (;;) {
            if (!pageBudgetLeft()) return Status::okStatus();
            auto reply = client_.fetchRosterPage(program, cursor, page_size_);
            if (!reply) {
                return Status(reply.status().code(), "roster " + program + " page after cursor '" +
                                                         cursor + "': " + reply.status().message());
            }
            const troad::RosterPage& page = reply->value;
            if (page.program != program) {
                return Status(ErrorCode::bad_field,
                              "roster page for " + program + " names program " + page.program);
            }
            // One roster version per page, written with the page's cursor: running nodes apply
            // the page within seconds, all of it or none.
            PullTotals delta;
            const Status applied = rosterTransaction([&] {
                delta = PullTotals{};
                const std::int64_t version =
                    store_.newRosterVersion(program, "pull", gateway::SystemClock().nowMillis());
                for (const auto& entry : page.entries) {
                    applyRosterEntry(program, entry, version, delta);
                }
                store_.putMeta(rosterCursorKey(program), page.next_cursor);
            });
            if (!applied.ok()) return applied;
            // Counted only once durable: a rolled-back page is fetched and counted again.
            totals_.added += delta.added;
            totals_.updated += delta.updated;
            totals_.removed += delta.removed;
            ++totals_.pages;
            progress("roster", program);
            if (page.done || page.next_cursor == cursor) break;
            cursor = page.next_cursor;
        }
        return Status::okStatus();
    }

    void applyRosterEntry(const std::string& program, const troad::RosterEntry& entry,
                          std::int64_t version, PullTotals& delta) {
        gateway::RosterEntryFields fields;
        fields.program = program;
        fields.citizen_id = entry.citizen_id;
        if (entry.op == troad::RosterOp::remove) {
            store_.removeRosterRow(program, keys_.citizenKey(entry.citizen_id), version);
            ++delta.removed;
            return;
        }
        fields.nhi_card_no = entry.nhi_card_no;
        fields.amount = entry.amount.value_or(0);
        fields.proxies = &entry.proxies;
        fields.claim_by = entry.claim_by;
        fields.excluded = entry.excluded;
        fields.version = version;
        store_.upsertRosterRow(gateway::buildRosterRow(keys_, fields));
        ++(entry.op == troad::RosterOp::add ? delta.added : delta.updated);
    }

    Status pullPayouts(const std::string& program) {
        std::string cursor = store_.getMeta(payoutCursorKey(program)).value_or("");
        for (;;) {
            if (!pageBudgetLeft()) return Status::okStatus();
            auto reply = client_.fetchPayoutPage(program, cursor, page_size_);
            if (!reply) {
                return Status(reply.status().code(), "payouts " + program + " page after cursor '" +
                                                         cursor + "': " + reply.status().message());
            }
            const troad::PayoutPage& page = reply->value;
            if (page.program != program) {
                return Status(ErrorCode::bad_field,
                              "payout page for " + program + " names program " + page.program);
            }
            operations_.clear();
            for (const auto& payout : page.payouts) {
                operations_.push_back(importOperation(program, payout));
            }
            const Status applied = transaction([&](gateway::LedgerStore& store) {
                store.putMeta(payoutCursorKey(program), page.next_cursor);
            });
            if (!applied.ok()) return applied;
            PullTotals delta;
            for (std::size_t i = 0; i < replies_.size(); ++i) {
                countImport(page.payouts[i], replies_[i], delta);
            }
            // Counted only once durable: a rolled-back page is fetched and counted again.
            totals_.payouts_imported += delta.payouts_imported;
            totals_.payouts_known += delta.payouts_known;
            totals_.payouts_conflict += delta.payouts_conflict;
            ++totals_.pages;
            progress("payouts", program);
            if (page.done || page.next_cursor == cursor) break;
            cursor = page.next_cursor;
        }
        return Status::okStatus();
    }

    gateway::LedgerOperation importOperation(const std::string& program,
                                             const troad::Payout& payout) const {
        gateway::ImportPayoutOperation operation;
        operation.program = program;
        operation.citizen_key = keys_.citizenKey(payout.citizen_id);  // contracts §3
        operation.citizen_mask = protocols::CitizenId::maskCitizenId(payout.citizen_id);
        operation.channel = payout.channel;
        operation.amount = payout.amount;
        // The page decoder validated paid_at; 0 only if that ever changes.
        operation.paid_at = protocols::parseRfc3339Millis(payout.paid_at).value_or(0);
        operation.payout_id = payout.payout_id;
        return operation;
    }

    static void countImport(const troad::Payout& payout, const gateway::LedgerReply& reply,
                            PullTotals& delta) {
        switch (reply.outcome) {
            case gateway::LedgerOutcome::created:
                ++delta.payouts_imported;
                return;
            case gateway::LedgerOutcome::unchanged:
                ++delta.payouts_known;
                return;
            default:
                break;
        }
        // The citizen was already paid (or is being paid) at a terminal: the platform paid
        // twice. Reconciliation's business, not a reason to stop the pull; the payout id
        // identifies it without naming the person.
        ++delta.payouts_conflict;
        std::fprintf(stderr,
                     "claimgate-recon pull: payout %s not imported: the citizen %s already has "
                     "a claim in the ledger\n",
                     payout.payout_id.c_str(),
                     protocols::CitizenId::maskCitizenId(payout.citizen_id).c_str());
    }

    void progress(const char* what, const std::string& program) {
        if (!tty_) return;
        std::fprintf(stderr,
                     "\r%s %s: %llu pages, +%llu ~%llu -%llu roster rows, %llu payouts imported ",
                     what, program.c_str(), static_cast<unsigned long long>(totals_.pages),
                     static_cast<unsigned long long>(totals_.added),
                     static_cast<unsigned long long>(totals_.updated),
                     static_cast<unsigned long long>(totals_.removed),
                     static_cast<unsigned long long>(totals_.payouts_imported));
        std::fflush(stderr);
    }

    gateway::LedgerStore& store_;
    troad::PlatformClient& client_;
    protocols::CitizenKeys keys_;
    std::size_t page_size_;
    std::uint64_t pages_max_;
    gateway::ClaimEngine engine_;
    std::vector<gateway::LedgerOperation> operations_;
    std::vector<gateway::LedgerReply> replies_;
    bool tty_;
    bool stopped_ = false;
    PullTotals totals_;
};

}  // namespace

int runPull(int argc, char** argv) {
    TroadLinkOptions link;
    std::string page_size_text, pages_max_text;
    std::optional<std::string> pepper_file;
    for (int i = 1; i < argc; ++i) {
        std::string pepper;
        if (link.take(i, argc, argv) ||
            takeFlagValue(i, argc, argv, "--page-size", page_size_text) ||
            takeFlagValue(i, argc, argv, "--pages-max", pages_max_text)) {
            continue;
        }
        if (takeFlagValue(i, argc, argv, "--pepper-file", pepper)) {
            pepper_file = pepper;
            continue;
        }
        const bool help = std::strcmp(argv[i], "--help") == 0;
        std::fputs(kPullUsage, help ? stdout : stderr);
        return help ? kExitOk : kExitUsage;
    }
    std::size_t page_size = kPullPageSizeDefault;
    std::uint64_t pages_max = 0;
    if (!link.complete() ||
        (!page_size_text.empty() &&
         !parseCount<std::size_t>(page_size_text, 1, troad::kRosterPageEntriesMax, page_size)) ||
        (!pages_max_text.empty() &&
         !parseCount<std::uint64_t>(pages_max_text, 1, UINT64_MAX, pages_max))) {
        std::fprintf(stderr,
                     "claimgate-recon pull: --page-size must be 1..%zu, --pages-max >= 1\n%s",
                     troad::kRosterPageEntriesMax, kPullUsage);
        return kExitUsage;
    }
    const gateway::DataDir data_dir(link.data_dir);
    if (const auto made = data_dir.ensureExists(); !made.ok()) {
        std::fprintf(stderr, "claimgate-recon pull: %s\n", made.message().c_str());
        return kExitFailure;
    }
    auto pepper = data_dir.loadOrCreatePepper(pepper_file);
    if (!pepper) {
        std::fprintf(stderr, "claimgate-recon pull: %s\n", pepper.status().message().c_str());
        return kExitFailure;
    }
    auto client =
        troad::openPlatformClient(link.pki_dir, link.troad_url, transferLogPath(link.data_dir));
    if (!client) {
        std::fprintf(stderr, "claimgate-recon pull: %s\n", client.status().message().c_str());
        return kExitFailure;
    }
    auto store = gateway::openLedgerStore(link.data_dir, link.ledger);
    if (!store) {
        std::fprintf(stderr, "claimgate-recon pull: %s\n", store.status().message().c_str());
        return kExitFailure;
    }
    Puller puller(*store.value(), *client.value(), pepper.value(), page_size, pages_max);
    const Status status = puller.run();
    const PullTotals& totals = puller.totals();
    std::printf(
        "pull: %llu programs, %llu pages, roster +%llu added ~%llu updated -%llu removed, "
        "payouts %llu imported %llu already known %llu conflicting%s\n",
        static_cast<unsigned long long>(totals.programs),
        static_cast<unsigned long long>(totals.pages),
        static_cast<unsigned long long>(totals.added),
        static_cast<unsigned long long>(totals.updated),
        static_cast<unsigned long long>(totals.removed),
        static_cast<unsigned long long>(totals.payouts_imported),
        static_cast<unsigned long long>(totals.payouts_known),
        static_cast<unsigned long long>(totals.payouts_conflict),
        puller.stopped() ? " (stopped at --pages-max; run again to continue)" : "");
    if (!status.ok()) {
        std::fprintf(stderr, "claimgate-recon pull: %s (pages applied so far are kept)\n",
                     status.message().c_str());
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace claimgate::recon
