// File: sdk_log.hpp
// The core's seams for logging and advice events (process-wide handlers in client.cpp; tests
// pass their own).
#pragma once

#include <claimgate/sdk/advice_event.hpp>
#include <claimgate/sdk/logging.hpp>

#include <functional>
#include <string>

namespace claimgate::sdk {

using SdkLogger = std::function<void(LogLevel level, const std::string& line)>;
using AdviceListener = std::function<void(const AdviceEvent& event)>;

}  // namespace claimgate::sdk
