// Fuzz target: the terminal SDK's handling of gateway replies (contracts §7). A real ClientCore
// with a real journal (scratch directory) talks to a transport whose answers come from the input:
// per exchange one status byte (mapped onto the statuses a gateway or proxy gives, or none), then
// one line of body. The first byte picks the cash sequence. Properties: no crash and no broken
// transaction machine (CG_ASSERT inside the core); an ok reserve names a usable claim id; every
// outcome's message is free of the citizen ID; journal rows are never negative.
#include "fuzz_support.hpp"

#include <claimgate/protocols/invariant.hpp>

#include "client_core.hpp"
#include "sdk_limits.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>

using namespace claimgate;

namespace {

constexpr const char* kCitizen = "A123456789";
constexpr std::array<int, 12> kStatuses = {0,   200, 201, 400, 403, 404,
                                           409, 422, 429, 500, 502, 503};

class FuzzTransport final : public sdk::Transport {
public:
    explicit FuzzTransport(fuzz::FuzzReader& input) : input_(input) {}
    sdk::HttpReply send(const sdk::HttpRequest&) override {
        sdk::HttpReply reply;
        const std::uint8_t pick = input_.takeByte();
        reply.status = pick < 240 ? kStatuses[pick % kStatuses.size()] : pick;
        reply.body = std::string(input_.takeLine());
        if (reply.status == 0) reply.error = "connection reset (fuzz)";
        return reply;
    }

private:
    fuzz::FuzzReader& input_;
};

void check(const sdk::Outcome& outcome) {
    CG_ASSERT(outcome.message.find(kCitizen) == std::string::npos,
              "an SDK message never carries the citizen ID");
    if (outcome.ok() && !outcome.claim_id.empty()) {
        CG_ASSERT(outcome.claim_id.size() <= sdk::kClaimIdLengthMax,
                  "an accepted claim id fits the SDK's limit");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzReader input(data, size);
    const std::uint8_t sequence = input.takeByte();
    const std::string journal_path = fuzz::scratchDir() + "/journal.db";
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::remove((journal_path + suffix).c_str());
    }
    static const sdk::JournalSealer sealer(
        std::array<unsigned char, sdk::JournalSealer::kKeyBytes>{'f', 'u', 'z', 'z'});
    auto journal = sdk::Journal::open(journal_path, "atm-0001", sealer);
    CG_ASSERT(journal.ok(), "the scratch journal opens");
    sdk::ClientCore core(
        sdk::TerminalIdentity{"atm-0001", "BANK004", "atm"}, std::move(journal).value(),
        std::make_shared<FuzzTransport>(input), [](sdk::LogLevel, const std::string&) {},
        [](const sdk::AdviceEvent&) {}, std::chrono::milliseconds(60'000));

    check(core.check("CASH2023", kCitizen, "000012345678", nullptr));
    const sdk::Outcome reserved =
        core.reserve("CASH2023", kCitizen, nullptr, nullptr, sequence % 2 == 0 ? 0 : 6000);
    check(reserved);
    const std::string claim_id = reserved.ok() ? reserved.claim_id : std::string("c_fuzz");
    switch (sequence / 2 % 4) {
        case 0:
            check(core.commit(claim_id.c_str(), 6000, "T1"));
            check(core.commit(claim_id.c_str(), 6000, "T1"));  // duplicate submit
            break;
        case 1:
            check(core.voidClaim(claim_id.c_str(), "not_dispensed"));
            check(core.commit(claim_id.c_str(), 6000, "T1"));  // refused after a void
            break;
        case 2:
            check(core.lookup(claim_id.c_str()));
            check(core.commit(
                reserved.claim_code.empty() ? "1234567890" : reserved.claim_code.c_str(), 6000,
                "T2"));
            break;
        default:
            // The background sender's path, on this thread: deliver whatever is due.
            if (auto due = core.journal().due(sdk::Journal::nowMs() + 3'600'000, 8); due.ok()) {
                for (const auto& entry : *due) {
                    if (core.journal().claim(entry.id)) core.sender().deliver(entry);
                }
            }
            break;
    }
    CG_ASSERT(core.pendingAdvices() >= 0, "the journal never counts below zero");
    return 0;
}
