// File: thread_name.hpp
// Names the calling thread, so `top -H`, `perf --sort pid` and core dumps say which of the
// gateway's threads is busy (the ledger writer, the sweeper, ...) instead of the process name.
#pragma once

#include <string_view>

namespace claimgate::protocols {

/// Linux keeps 15 characters; a longer name is cut. Failure is ignored: a name is a courtesy.
void nameThisThread(std::string_view name);

}  // namespace claimgate::protocols
