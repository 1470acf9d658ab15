// File: commands.hpp
// The subcommands of claimgate-recon: a name -> function table (commands.cpp). To add one,
// write `int runFoo(int argc, char** argv)` (argv[0] is the subcommand name) and add a line.
#pragma once

#include <span>
#include <string_view>

namespace claimgate::recon {

struct Command {
    std::string_view name;
    std::string_view summary;
    int (*run)(int argc, char** argv);
};

/// Every subcommand, in the order `claimgate-recon --help` lists them.
[[nodiscard]] std::span<const Command> commands();

int runMatch(int argc, char** argv);
int runAcknowledge(int argc, char** argv);
int runGenFixture(int argc, char** argv);
int runExport(int argc, char** argv);
int runVerify(int argc, char** argv);
int runPull(int argc, char** argv);
int runPush(int argc, char** argv);
int runReceipt(int argc, char** argv);

/// Exit codes shared by the subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

/// "claimgate-recon COMMAND: MESSAGE" and the usage text on stderr; kExitUsage.
int usageError(std::string_view command, const char* usage, std::string_view message);
/// "claimgate-recon COMMAND: MESSAGE" on stderr; kExitFailure.
int commandFailure(std::string_view command, std::string_view message);

}  // namespace claimgate::recon
