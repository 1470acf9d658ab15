// File: mock_troad_transport.hpp
// gmock of the T-Road transport seam (gateway/recon/troad/.../troad_transport.hpp).
#pragma once

#include <claimgate/troad/troad_transport.hpp>

#include <gmock/gmock.h>

namespace claimgate::troad::testing {

class MockTroadTransport : public TroadTransport {
public:
    MOCK_METHOD(protocols::Result<protocols::XroadResponse>, send,
                (const protocols::XroadRequest& request), (override));
};

}  // namespace claimgate::troad::testing
