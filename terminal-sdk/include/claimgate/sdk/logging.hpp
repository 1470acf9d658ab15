// File: logging.hpp
// Where the SDK's log lines and advice events go (C++ face of cg_set_log_handler,
// cg_set_log_level and cg_set_event_handler). Process-wide; handlers must be thread-safe and
// must not call back into the SDK.
#pragma once

#include <claimgate/sdk/advice_event.hpp>
#include <claimgate/sdk_export.h>

namespace claimgate::sdk {

/// Same numbers as cg_log_level.
enum class LogLevel : int { debug = 0, info = 1, warning = 2 };

/// Receives one line per message at or above the level set (default: warning). nullptr
/// restores stderr.
using LogFunction = void (*)(void* user, const char* line);
CG_API void setLogHandler(LogFunction handler, void* user) noexcept;
CG_API void setLogLevel(LogLevel level) noexcept;

/// Receives an event when an advice reached its end at the gateway (acknowledged or refused),
/// from the caller's thread or the background sender. nullptr: no events.
using EventFunction = void (*)(void* user, const AdviceEvent& event);
CG_API void setEventHandler(EventFunction handler, void* user) noexcept;

}  // namespace claimgate::sdk
