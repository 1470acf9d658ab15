// File: invariant.hpp
// CG_ASSERT: an always-on check for invariants whose violation would lose money or data (one
// live claim per citizen, hash-chain order, batch accounting, SDK transaction transitions).
// Unlike assert() it stays in release builds (NDEBUG does not remove it): a process that has
// broken such an invariant must stop before it acknowledges anything else, and the operator
// must see where. It prints "file:line: invariant violated: <condition> (<why>)" to stderr and
// aborts (a core dump, no destructors, so nothing half-broken is flushed to the ledger).
//
// Use it for states the code guarantees, never for input: bad input is a typed error. The
// condition is evaluated exactly once in every build. The message is a string literal: it must
// never contain citizen data (the condition text is printed verbatim, so name no IDs in it).
#pragma once

namespace claimgate::protocols {

/// Reports the violated invariant on stderr and aborts. Never returns.
[[noreturn]] void invariantViolated(const char* condition, const char* why, const char* file,
                                    int line) noexcept;

}  // namespace claimgate::protocols

#define CG_ASSERT(condition, why) \
    (static_cast<bool>(condition) \
         ? static_cast<void>(0)   \
         : ::claimgate::protocols::invariantViolated(#condition, why, __FILE__, __LINE__))
