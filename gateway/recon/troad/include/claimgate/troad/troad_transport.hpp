// File: troad_transport.hpp
// The I/O seam of the T-Road link: send one encoded X-Road request, get the HTTP response. The
// production implementation is PocoTroadTransport (HTTPS with a client certificate); tests use
// MockTroadTransport (tests/mocks/mock_troad_transport.hpp).
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/protocols/xroad_request.hpp>
#include <claimgate/protocols/xroad_response.hpp>

#include <memory>

namespace claimgate::troad {

class TroadTransport {
public:
    virtual ~TroadTransport() = default;

    /// Sends the request as is and returns whatever HTTP response came back, error statuses
    /// included (X-Road errors are recognised by the caller). A non-ok Status means no complete
    /// response: connection, TLS or timeout failure (ErrorCode::not_ready), or a body over the
    /// transport's limit (ErrorCode::body_too_large). Implementations must be thread-safe.
    virtual protocols::Result<protocols::XroadResponse> send(
        const protocols::XroadRequest& request) = 0;
};

using TroadTransportPtr = std::shared_ptr<TroadTransport>;

}  // namespace claimgate::troad
