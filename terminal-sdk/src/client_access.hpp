// File: client_access.hpp
// The C ABI's way to the core behind a Client (a friend of Client, never installed), so the
// public C++ header does not hand out the internal type.
#pragma once

#include <claimgate/sdk/client.hpp>

namespace claimgate::sdk {

class ClientCore;

struct ClientAccess {
    static ClientCore& core(Client& client) noexcept;
};

}  // namespace claimgate::sdk
