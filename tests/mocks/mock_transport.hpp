// File: mock_transport.hpp
// Test doubles of the SDK's transport seam (terminal-sdk/src/transport.hpp): a gmock, and a
// scripted transport that forwards every request to one shared handler (so the foreground and
// the background sender of a ClientCore can share one script) and records what it saw.
#pragma once

#include "transport.hpp"

#include <gmock/gmock.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace claimgate::sdk::testing {

class MockTransport : public Transport {
public:
    MOCK_METHOD(HttpReply, send, (const HttpRequest& request), (override));
};

/// Shared script + log of requests, thread-safe.
class ScriptedGateway {
public:
    using Handler = std::function<HttpReply(const HttpRequest&)>;

    void setHandler(Handler handler) {
        std::lock_guard lock(mutex_);
        handler_ = std::move(handler);
    }
    HttpReply handle(const HttpRequest& request) {
        Handler handler;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
            handler = handler_;
        }
        return handler ? handler(request) : HttpReply{0, "", "no handler"};
    }
    std::vector<HttpRequest> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    std::mutex mutex_;
    Handler handler_;
    std::vector<HttpRequest> requests_;
};

class ScriptedTransport : public Transport {
public:
    explicit ScriptedTransport(std::shared_ptr<ScriptedGateway> gateway)
        : gateway_(std::move(gateway)) {}
    HttpReply send(const HttpRequest& request) override { return gateway_->handle(request); }

private:
    std::shared_ptr<ScriptedGateway> gateway_;
};

}  // namespace claimgate::sdk::testing
