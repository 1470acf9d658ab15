// File: advice_sender.cpp
#include "advice_sender.hpp"

#include "advice_policy.hpp"
#include "sdk_limits.hpp"
#include "sigpipe_guard.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace claimgate::sdk {

namespace {

constexpr std::chrono::milliseconds kIdleWaitMax{2000};

}  // namespace

AdviceSender::AdviceSender(Journal& journal, TransportPtr transport, SdkLogger logger,
                           DeliveryListener listener)
    : journal_(journal),
      transport_(std::move(transport)),
      logger_(std::move(logger)),
      listener_(std::move(listener)) {}

AdviceSender::~AdviceSender() { stop(); }

void AdviceSender::start() {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) {
        stopping_ = false;
        thread_ = std::thread([this] { run(); });
    }
}

void AdviceSender::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void AdviceSender::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_.notify_all();
}

void AdviceSender::notifyChanged() {
    { std::lock_guard lock(mutex_); }
    changed_.notify_all();
}

bool AdviceSender::waitIdle(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    while (journal_.count() > 0 || delivering_ > 0) {
        // Bounded slices: a row may leave through a path that does not notify (e.g. remove in
        // another client on the same file), so re-check at least every 50 ms.
        const auto slice =
            std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
        if (changed_.wait_until(lock, slice) == std::cv_status::timeout &&
            std::chrono::steady_clock::now() >= deadline) {
            return journal_.count() == 0 && delivering_ == 0;
        }
    }
    return true;
}

void AdviceSender::run() {
    SigpipeGuard sigpipe_guard;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                return;
            }
        }
        transport_->closeIfIdle();
        auto entries = journal_.due(Journal::nowMs(), kSenderBatchMax);
        if (!entries.ok()) {
            logger_(LogLevel::warning, "sender: " + entries.status().message());
        } else if (!entries->empty()) {
            for (const auto& entry : *entries) {
                {
                    std::lock_guard lock(mutex_);
                    if (stopping_) {
                        return;
                    }
                }
                if (journal_.claim(entry.id)) {
                    deliver(entry);
                }
            }
            continue;
        }
        auto wait = kIdleWaitMax;
        if (const auto next = journal_.nextDueMs(); next.has_value()) {
            wait = std::clamp(std::chrono::milliseconds(*next - Journal::nowMs()),
                              std::chrono::milliseconds(0), kIdleWaitMax);
        }
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
        woken_ = false;
    }
}

void AdviceSender::deliver(const JournalEntry& entry) {
    // A row leaves the journal before its listener runs; waitIdle must not report idle in
    // between, or a vendor who flushes and then reads its events misses the last one.
    {
        std::lock_guard lock(mutex_);
        ++delivering_;
    }
    struct DeliveryDone {
        AdviceSender& sender;
        ~DeliveryDone() {
            {
                std::lock_guard lock(sender.mutex_);
                --sender.delivering_;
            }
            sender.changed_.notify_all();
        }
    } done{*this};
    if (entry.body_unreadable) {
        // Sealed under another terminal key: the reserve cannot be replayed. The gateway
        // releases an uncommitted hold when it expires, so nothing is paid; say so and move on.
        logger_(LogLevel::warning,
                "reserve reversal " + entry.idempotency_key +
                    ": the journal row was sealed with another terminal key and cannot be "
                    "replayed; any hold it made expires at the gateway");
        HttpReply none;
        none.error = "sealed with another terminal key";
        if (auto status = journal_.remove(entry.id); !status.ok()) {
            logger_(LogLevel::warning, "sender: " + status.message());
            journal_.release(entry.id);
            return;
        }
        ++ended_;
        if (listener_) {
            listener_(entry, none, AdviceVerdict::ended);
        }
        notifyChanged();
        return;
    }
    HttpRequest request{"POST", entry.path, entry.body, entry.idempotency_key};
    const HttpReply reply = transport_->send(request);
    const std::string code = errorCodeOf(reply.body);
    const AdviceVerdict verdict = classifyAdviceReply(reply, code);
    const std::string what = std::string(adviceKindName(entry.kind)) + " advice " +
                             entry.idempotency_key +
                             (entry.claim_id.empty() ? "" : " for " + entry.claim_id);
    if (verdict == AdviceVerdict::retry) {
        retryLater(
            entry, reply,
            reply.answered() ? "HTTP " + std::to_string(reply.status) + " " + code : reply.error);
        return;
    }
    if (entry.kind == AdviceKind::reserve && verdict == AdviceVerdict::acknowledged) {
        reverseReserve(entry, reply);
        return;
    }
    if (verdict == AdviceVerdict::ended) {
        ++ended_;
        logger_(LogLevel::warning,
                entry.kind == AdviceKind::reserve
                    ? what + ": reversal ended, the gateway holds nothing for it (HTTP " +
                          std::to_string(reply.status) + " " + code + ")"
                    : what + ": REFUSED by the gateway (HTTP " + std::to_string(reply.status) +
                          " " + code +
                          "); dropped from the journal, reconciliation must resolve "
                          "the claim");
    } else {
        ++delivered_;
        logger_(LogLevel::info, what + ": delivered (HTTP " + std::to_string(reply.status) + ")");
    }
    if (auto status = journal_.remove(entry.id); !status.ok()) {
        logger_(LogLevel::warning, "sender: " + status.message());
        journal_.release(entry.id);
        return;
    }
    if (listener_) {
        listener_(entry, reply, verdict);
    }
    notifyChanged();
}

void AdviceSender::reverseReserve(const JournalEntry& entry, const HttpReply& reply) {
    const auto json = nlohmann::json::parse(reply.body, nullptr, false);
    std::string claim_id;
    if (!json.is_discarded() && json.is_object() && json.contains("claim_id") &&
        json["claim_id"].is_string()) {
        claim_id = json["claim_id"].get<std::string>();
    }
    if (claim_id.empty() || claim_id.size() > kClaimIdLengthMax) {
        retryLater(entry, reply, "reserve replay answered without a usable claim_id");
        return;
    }
    logger_(LogLevel::info, "reserve reversal " + entry.idempotency_key + ": the gateway made " +
                                claim_id + "; voiding it");
    const nlohmann::json body = {{"reason", "reserve_reversal"}};
    const auto status = journal_.convertToVoid(entry.id, claim_id, journal_.newIdempotencyKey(),
                                               "/v1/claims/" + claim_id + "/void", body.dump());
    if (!status.ok()) {
        logger_(LogLevel::warning, "sender: " + status.message());
    }
    journal_.release(entry.id);
}

void AdviceSender::retryLater(const JournalEntry& entry, const HttpReply& reply,
                              const std::string& why) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::int64_t attempts = entry.attempts + 1;
    if (reply.trustFailure()) {
        // A certificate problem does not heal by itself: keep the advice (it is money), try at
        // the longest backoff and say why each time.
        attempts = std::max<std::int64_t>(attempts, kSenderBackoffAttemptsAtMax);
        logger_(LogLevel::warning, std::string(adviceKindName(entry.kind)) + " advice " +
                                       entry.idempotency_key + " kept: TLS trust failure (" +
                                       reply.error +
                                       "); check the terminal certificate, key and CA");
    } else {
        logger_(LogLevel::debug, std::string(adviceKindName(entry.kind)) + " advice " +
                                     entry.idempotency_key + " retried later: " + why);
    }
    const std::int64_t next = Journal::nowMs() + backoffMilliseconds(attempts, unit(random_));
    if (auto status = journal_.reschedule(entry.id, attempts, next, why); !status.ok()) {
        logger_(LogLevel::warning, "sender: " + status.message());
        journal_.release(entry.id);
    }
}

}  // namespace claimgate::sdk
