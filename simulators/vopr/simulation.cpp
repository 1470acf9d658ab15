#include "simulation.hpp"

#include "faulty_ledger_store.hpp"
#include "roster/roster_generator.hpp"
#include "sim_gateway.hpp"
#include "sim_random.hpp"

#include <claimgate/protocols/citizen_keys.hpp>
#include <claimgate/protocols/digest.hpp>
#include <claimgate/protocols/log.hpp>
#include <claimgate/protocols/program.hpp>

#include "client_core.hpp"
#include <claimgate/gateway/roster_importer.hpp>
#include <claimgate/ledger/hash_chain.hpp>
#include <claimgate/ledger/sqlite_ledger_store.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <vector>

namespace claimgate::vopr {
namespace {

using protocols::ClaimStatus;

constexpr const char* kProgram = "CASH2023";
constexpr const char* kProgramJson =
    R"({"id":"CASH2023","name":"vopr","amount":6000,"currency":"TWD","channels":["atm"],)"
    R"("opens_at":"2023-03-20T00:00:00+08:00","closes_at":"2099-01-01T00:00:00Z",)"
    R"("hold_ttl_s":120,"kiosk_hold_ttl_s":1800,"excludes":[]})";
constexpr std::int64_t kStartMillis = 1'681'000'000'000;  // 2023-04-09, inside the programme
constexpr std::int64_t kPastHoldTtlMillis = 121'000;
constexpr std::int64_t kFarFutureMillis = 4'000'000'000'000;  // every journal row is due
constexpr std::size_t kSenderBatch = 64;
constexpr int kQuiescenceRoundsMax = 50;
// The simulated transport answers at once; the deadline only has to outlast a step.
constexpr std::chrono::milliseconds kCallTimeout{60'000};

/// Journals are sealed as on a real terminal; the key is fixed so a seed replays exactly.
const sdk::JournalSealer& journalSealer() {
    static const sdk::JournalSealer sealer(
        std::array<unsigned char, sdk::JournalSealer::kKeyBytes>{'v', 'o', 'p', 'r'});
    return sealer;
}

/// Fault rates per mille, per occasion (a request, a reply, a step).
struct FaultRates {
    std::uint64_t drop_request = 40;
    std::uint64_t delay_request = 30;  // arrives 1-5 steps later; the terminal times out
    std::uint64_t duplicate_request = 30;
    std::uint64_t drop_reply = 50;
    std::uint64_t crash_before_request = 8;
    std::uint64_t crash_after_request = 12;  // committed, reply never sent
    std::uint64_t fsync_failure = 15;
    std::uint64_t outage_start = 8;
    std::uint64_t outage_end = 200;
    std::uint64_t terminal_crash = 10;
    std::uint64_t clock_jump = 20;  // past the hold TTL: holds expire to in_doubt
    std::uint64_t sweep = 100;
    std::uint64_t sender_tick = 300;
};

sdk::HttpReply noAnswer(const char* why) { return sdk::HttpReply{0, "", why}; }

struct Citizen {
    std::string id;
    std::string nhi;
};

struct DelayedRequest {
    std::size_t terminal = 0;
    sdk::HttpRequest request;
    std::uint64_t due_step = 0;
};

class World;

class SimTransport final : public sdk::Transport {
public:
    SimTransport(World& world, std::size_t terminal) : world_(world), terminal_(terminal) {}
    sdk::HttpReply send(const sdk::HttpRequest& request) override;

private:
    World& world_;
    std::size_t terminal_;
};

struct Terminal {
    gateway::TerminalIdentity identity;
    std::string journal_path;
    std::unique_ptr<sdk::ClientCore> core;
    bool reserved = false;
    std::string claim_id;
    std::int64_t amount = 0;
    std::uint64_t next_ref = 0;
};

class World {
public:
    explicit World(const SimulationOptions& options)
        : options_(options),
          random_(options.seed),
          dir_(makeDir(options)),
          clock_(std::make_shared<gateway::ManualClock>(kStartMillis)) {
        seedLedger();
        gateway_ = std::make_unique<SimGateway>(ledgerPath(), pepper_, clock_, faults_);
        checker_ = std::make_unique<gateway::SqliteLedgerStore>(ledgerPath());
        for (std::size_t t = 0; t < options_.terminals; ++t) {
            Terminal terminal;
            terminal.identity = {"atm-" + std::to_string(1000 + t),
                                 t % 2 == 0 ? "BANK004" : "BANK008", protocols::Channel::atm};
            terminal.journal_path = dir_ + "/journal-" + std::to_string(t) + ".db";
            terminals_.push_back(std::move(terminal));
            openTerminal(t);
        }
    }

    ~World() {
        for (auto& terminal : terminals_) terminal.core.reset();
        gateway_.reset();
        checker_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    World(const World&) = delete;
    World& operator=(const World&) = delete;

    SimulationResult run() {
        SimulationResult result;
        for (step_ = 1; step_ <= options_.steps; ++step_) {
            this->step();
            if (auto broken = checkInvariants(); !broken.empty()) {
                return fail(result, broken);
            }
        }
        quiesce();
        if (auto broken = checkInvariants(); !broken.empty()) return fail(result, broken);
        if (auto broken = checkQuiescence(); !broken.empty()) return fail(result, broken);
        return finish(result);
    }

    /// One exchange of terminal `t` with the gateway over the faulty network.
    sdk::HttpReply exchange(std::size_t t, const sdk::HttpRequest& request) {
        const bool faulty = !healed_;
        if (faulty && random_.chance(rates_.drop_request)) return noteFault("drop-request");
        if (faulty && random_.chance(rates_.delay_request)) {
            delayed_.push_back({t, request, step_ + 1 + random_.below(5)});
            return noteFault("delay-request");
        }
        if (faulty && random_.chance(rates_.crash_before_request)) {
            crashGateway();
            return noteFault("gateway-crash-before");
        }
        if (!gateway_) return noAnswer("connection refused (gateway down)");
        sdk::HttpReply reply = gateway_->handle(terminals_[t].identity, request);
        if (faulty && random_.chance(rates_.duplicate_request)) {
            sdk::HttpReply second = gateway_->handle(terminals_[t].identity, request);
            trace("  fault duplicate-request -> " + std::to_string(second.status));
            ++faults_injected_;
            if (random_.chance(500)) reply = std::move(second);
        }
        if (faulty && random_.chance(rates_.crash_after_request)) {
            crashGateway();
            return noteFault("gateway-crash-after");
        }
        if (faulty && random_.chance(rates_.drop_reply)) return noteFault("drop-reply");
        return reply;
    }

private:
    static std::string makeDir(const SimulationOptions& options) {
        std::string pattern = options.work_dir + "/cg-vopr-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a directory under " + options.work_dir);
        }
        return pattern;
    }

    [[nodiscard]] std::string ledgerPath() const { return dir_ + "/ledger.db"; }

    void seedLedger() {
        simulators::RosterOptions roster;
        roster.count = options_.citizens;
        roster.seed = options_.seed;
        roster.nhi_fraction = 1.0;
        roster.proxy_fraction = 0.0;
        roster.amount_fraction = 0.0;
        roster.resident_new_fraction = 0.0;
        roster.resident_old_fraction = 0.0;
        simulators::RosterGenerator generator(roster);
        simulators::RosterRow row;
        gateway::SqliteLedgerStore store(ledgerPath());
        store.begin();
        auto program = protocols::Program::fromJson(kProgramJson);
        if (!program) throw std::runtime_error(program.status().message());
        store.putProgram(*program);
        const protocols::CitizenKeys keys(pepper_);
        while (generator.next(row)) {
            Citizen citizen{std::string(row.citizenId()),
                            std::string(row.nhi_card_no.data(), row.nhi_card_no.size())};
            gateway::RosterEntryFields fields;
            fields.program = kProgram;
            fields.citizen_id = citizen.id;
            fields.nhi_card_no = citizen.nhi;
            store.upsertRosterRow(gateway::buildRosterRow(keys, fields));
            citizens_.push_back(std::move(citizen));
        }
        store.commit();
    }

    void openTerminal(std::size_t t) {
        Terminal& terminal = terminals_[t];
        auto journal = sdk::Journal::open(terminal.journal_path, terminal.identity.terminal_id,
                                          journalSealer());
        if (!journal) throw std::runtime_error(journal.status().message());
        terminal.core = std::make_unique<sdk::ClientCore>(
            sdk::TerminalIdentity{terminal.identity.terminal_id, terminal.identity.operator_id,
                                  "atm"},
            std::move(journal).value(), std::make_shared<SimTransport>(*this, t),
            [](sdk::LogLevel, const std::string&) {}, [](const sdk::AdviceEvent&) {}, kCallTimeout);
        terminal.reserved = false;
    }

    sdk::HttpReply noteFault(const char* what) {
        trace(std::string("  fault ") + what);
        ++faults_injected_;
        return noAnswer(what);
    }

    void crashGateway() {
        gateway_.reset();
        reopenGateway();
    }

    /// A restarted gateway cannot open its ledger while the database is down; it retries at
    /// each step until it can (a supervisor restarting it).
    void reopenGateway() {
        if (gateway_ || faults_.down) return;
        gateway_ = std::make_unique<SimGateway>(ledgerPath(), pepper_, clock_, faults_);
    }

    void step() {
        trace("s" + std::to_string(step_));
        clock_->advanceMillis(static_cast<std::int64_t>(random_.below(1500)));
        if (random_.chance(rates_.clock_jump)) {
            clock_->advanceMillis(kPastHoldTtlMillis);
            trace("  clock +121s");
        }
        if (faults_.down) {
            if (random_.chance(rates_.outage_end)) {
                faults_.down = false;
                trace("  database back");
            }
        } else if (random_.chance(rates_.outage_start)) {
            faults_.down = true;
            noteFault("database-down");
        }
        reopenGateway();
        if (random_.chance(rates_.fsync_failure)) {
            faults_.fail_next_commit = true;
            noteFault("fsync-failure-armed");
        }
        if (random_.chance(rates_.terminal_crash)) {
            const std::size_t t = random_.below(terminals_.size());
            terminals_[t].core.reset();
            openTerminal(t);
            noteFault(("terminal-crash " + std::to_string(t)).c_str());
        }
        terminalStep(random_.below(terminals_.size()));
        if (random_.chance(rates_.sender_tick)) senderTick(random_.below(terminals_.size()));
        if (gateway_ && random_.chance(rates_.sweep)) gateway_->sweep();
        deliverDelayed(false);
    }

    void terminalStep(std::size_t t) {
        Terminal& terminal = terminals_[t];
        sdk::ClientCore& core = *terminal.core;
        const std::string who = "  t" + std::to_string(t) + " ";
        if (!terminal.reserved) {
            const std::size_t c = random_.below(citizens_.size());
            const sdk::Outcome outcome = core.reserve(kProgram, citizens_[c].id.c_str(),
                                                      citizens_[c].nhi.c_str(), nullptr, 0);
            trace(who + "reserve citizen " + std::to_string(c) + " -> " + describe(outcome));
            if (outcome.ok()) {
                terminal.reserved = true;
                terminal.claim_id = outcome.claim_id;
                terminal.amount = outcome.amount;
                reserved_.insert(outcome.claim_id);
            }
            return;
        }
        terminal.reserved = false;
        if (random_.chance(800)) {
            // The cash leaves the machine, then the commit advice is journalled and sent.
            dispensed_.insert(terminal.claim_id);
            const std::string ref =
                terminal.identity.terminal_id + "-" + std::to_string(terminal.next_ref++);
            const sdk::Outcome outcome =
                core.commit(terminal.claim_id.c_str(), terminal.amount, ref.c_str());
            trace(who + "dispense+commit " + claimName(terminal.claim_id) + " -> " +
                  describe(outcome));
            if (outcome.ok()) acknowledged_paid_.insert(terminal.claim_id);
        } else {
            const sdk::Outcome outcome = core.voidClaim(terminal.claim_id.c_str(), "not_dispensed");
            trace(who + "void " + claimName(terminal.claim_id) + " -> " + describe(outcome));
            if (outcome.ok()) acknowledged_void_.insert(terminal.claim_id);
        }
    }

    /// The background sender's round, run on this thread so the order is the seed's.
    void senderTick(std::size_t t) {
        sdk::ClientCore& core = *terminals_[t].core;
        auto due = core.journal().due(kFarFutureMillis, kSenderBatch);
        if (!due) return;
        for (const auto& entry : *due) {
            if (core.journal().claim(entry.id)) core.sender().deliver(entry);
        }
        trace("  t" + std::to_string(t) + " sender " + std::to_string(due->size()) + " due, " +
              std::to_string(core.journal().count()) + " left");
    }

    void deliverDelayed(bool all) {
        for (std::size_t i = 0; i < delayed_.size();) {
            if (!all && delayed_[i].due_step > step_) {
                ++i;
                continue;
            }
            const DelayedRequest late = std::move(delayed_[i]);
            delayed_.erase(delayed_.begin() + static_cast<std::ptrdiff_t>(i));
            if (gateway_) {
                const auto reply =
                    gateway_->handle(terminals_[late.terminal].identity, late.request);
                trace("  late " + late.request.path.substr(0, 11) + " from t" +
                      std::to_string(late.terminal) + " -> " + std::to_string(reply.status));
            }
        }
    }

    /// Every fault healed; the journals drain; time passes beyond every hold.
    void quiesce() {
        trace("quiesce");
        healed_ = true;
        faults_.down = false;
        faults_.fail_next_commit = false;
        reopenGateway();
        deliverDelayed(true);
        for (int round = 0; round < kQuiescenceRoundsMax; ++round) {
            std::int64_t pending = 0;
            for (std::size_t t = 0; t < terminals_.size(); ++t) {
                senderTick(t);
                pending += terminals_[t].core->journal().count();
            }
            if (pending == 0) break;
        }
        clock_->advanceMillis(kPastHoldTtlMillis);
        gateway_->sweep();
    }

    std::map<std::string, ClaimStatus> ledgerStatuses(std::string& broken) {
        std::map<std::string, ClaimStatus> statuses;
        std::map<std::string, std::string> blocking_by_citizen;
        checker_->forEachClaim([&](const gateway::ClaimRecord& claim) {
            statuses[claim.claim_id] = claim.status;
            const bool blocking = claim.status == ClaimStatus::held ||
                                  claim.status == ClaimStatus::in_doubt ||
                                  claim.status == ClaimStatus::paid;
            if (blocking) {
                const std::string citizen =
                    claim.program + "/" + protocols::toHex(claim.citizen_key);
                auto [it, fresh] = blocking_by_citizen.emplace(citizen, claim.claim_id);
                if (!fresh && broken.empty()) {
                    broken = "two live claims for one citizen: " + claimName(it->second) + " and " +
                             claimName(claim.claim_id);
                }
            }
            return true;
        });
        return statuses;
    }

    std::string checkInvariants() {
        std::string broken;
        const auto statuses = ledgerStatuses(broken);
        if (!broken.empty()) return broken;
        for (const auto& id : acknowledged_paid_) {
            const auto it = statuses.find(id);
            if (it == statuses.end() || it->second != ClaimStatus::paid) {
                return "acknowledged payment lost: " + claimName(id) + " is " +
                       statusOf(statuses, id);
            }
        }
        for (const auto& id : dispensed_) {
            const auto it = statuses.find(id);
            if (it == statuses.end() || it->second == ClaimStatus::voided) {
                return "dispensed cash on a claim the ledger calls " + statusOf(statuses, id) +
                       ": " + claimName(id);
            }
        }
        for (const auto& id : acknowledged_void_) {
            const auto it = statuses.find(id);
            if (it == statuses.end() || it->second != ClaimStatus::voided) {
                return "acknowledged void undone: " + claimName(id) + " is " +
                       statusOf(statuses, id);
            }
        }
        return {};
    }

    std::string checkQuiescence() {
        for (std::size_t t = 0; t < terminals_.size(); ++t) {
            if (const auto left = terminals_[t].core->journal().count(); left != 0) {
                return "terminal " + std::to_string(t) + " still holds " + std::to_string(left) +
                       " undelivered advices after the network healed";
            }
        }
        std::string broken;
        const auto statuses = ledgerStatuses(broken);
        for (const auto& id : dispensed_) {
            const auto it = statuses.find(id);
            if (it == statuses.end() ||
                (it->second != ClaimStatus::paid && it->second != ClaimStatus::in_doubt)) {
                return "dispensed payment neither paid nor in doubt at quiescence: " +
                       claimName(id) + " is " + statusOf(statuses, id);
            }
        }
        const auto chain = gateway::verifyChain(*checker_);
        if (!chain.ok) return "hash chain broken: " + chain.problem;
        claims_ = statuses.size();
        for (const auto& [id, status] : statuses) paid_ += status == ClaimStatus::paid ? 1U : 0U;
        trace("end claims=" + std::to_string(claims_) + " paid=" + std::to_string(paid_) +
              " events=" + std::to_string(chain.events));
        return {};
    }

    std::string statusOf(const std::map<std::string, ClaimStatus>& statuses,
                         const std::string& id) {
        const auto it = statuses.find(id);
        return it == statuses.end() ? std::string("missing")
                                    : std::string(protocols::claimStatusName(it->second));
    }

    /// Claim ids carry random bits; the trace names claims by order of first appearance so
    /// that a replay of the seed produces the same digest.
    std::string claimName(const std::string& claim_id) {
        const auto [it, fresh] = claim_names_.emplace(claim_id, claim_names_.size() + 1);
        (void)fresh;
        return "claim#" + std::to_string(it->second);
    }

    std::string describe(const sdk::Outcome& outcome) {
        std::string text = std::to_string(static_cast<int>(outcome.status));
        if (!outcome.code.empty()) text += " " + outcome.code;
        if (!outcome.claim_id.empty()) text += " " + claimName(outcome.claim_id);
        if (!outcome.claim_status.empty()) text += " " + outcome.claim_status;
        return text;
    }

    void trace(const std::string& line) {
        trace_ += line;
        trace_ += '\n';
        if (options_.verbose) std::printf("%s\n", line.c_str());
    }

    SimulationResult& fail(SimulationResult& result, const std::string& broken) {
        result.ok = false;
        result.failure = "step " + std::to_string(step_) + ": " + broken;
        trace("FAILED " + result.failure);
        return finish(result);
    }

    SimulationResult& finish(SimulationResult& result) {
        result.digest = protocols::toHex(protocols::sha256(trace_));
        result.steps_run = step_ > options_.steps ? options_.steps : step_;
        result.claims = claims_;
        result.paid = paid_;
        result.faults = faults_injected_;
        return result;
    }

    SimulationOptions options_;
    FaultRates rates_;
    SimRandom random_;
    std::string dir_;
    std::shared_ptr<gateway::ManualClock> clock_;
    std::string pepper_ = std::string(32, 'v');
    StoreFaults faults_;
    std::unique_ptr<SimGateway> gateway_;
    std::unique_ptr<gateway::SqliteLedgerStore> checker_;
    std::vector<Citizen> citizens_;
    std::vector<Terminal> terminals_;
    std::vector<DelayedRequest> delayed_;
    bool healed_ = false;
    std::uint64_t step_ = 0;
    std::uint64_t faults_injected_ = 0;
    std::uint64_t claims_ = 0;
    std::uint64_t paid_ = 0;
    std::set<std::string> reserved_;
    std::set<std::string> dispensed_;
    std::set<std::string> acknowledged_paid_;
    std::set<std::string> acknowledged_void_;
    std::map<std::string, std::size_t> claim_names_;
    std::string trace_;
};

sdk::HttpReply SimTransport::send(const sdk::HttpRequest& request) {
    return world_.exchange(terminal_, request);
}

}  // namespace

SimulationResult runSimulation(const SimulationOptions& options) {
    // The gateway's log lines carry wall-clock times, so they cannot join the seed's trace
    // (same seed, same trace, bit for bit), and every fault they report is traced already;
    // on stderr they would bury the one line that names a failing seed.
    struct SilencedLog {
        log::Sink previous = log::setSink([](std::string_view) {});
        ~SilencedLog() { log::setSink(std::move(previous)); }
    } silenced;
    World world(options);
    return world.run();
}

}  // namespace claimgate::vopr
