// claimgate-recon: dispatches to the subcommand named by argv[1] (see commands.cpp).
#include "commands.hpp"

#include <sys/stat.h>

#include <claimgate/ledger/heap_retention.hpp>
#include <claimgate/protocols/build_info.hpp>

#include <cstdio>
#include <string_view>

namespace {

void usage(std::FILE* out) {
    std::fprintf(out,
                 "claimgate-recon: reconciliation and T-Road synchronisation for finance\n"
                 "staff and operators (contracts section 8).\n\n"
                 "usage: claimgate-recon <command> [options]   (<command> --help for more)\n"
                 "       claimgate-recon --version | --help\n\n"
                 "commands:\n");
    for (const auto& command : claimgate::recon::commands()) {
        std::fprintf(out, "  %-12.*s %.*s\n", static_cast<int>(command.name.size()),
                     command.name.data(), static_cast<int>(command.summary.size()),
                     command.summary.data());
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Everything this process creates (ledger, pepper, journals, reports) is for its owner
    // only, whatever the umask of the shell that started it (no citizen data for other users).
    ::umask(077);
    (void)claimgate::gateway::retainFreedHeapMemory();  // pull and match --apply write the ledger
    if (argc < 2) {
        usage(stderr);
        return claimgate::recon::kExitUsage;
    }
    const std::string_view name = argv[1];
    if (name == "--version") {
        std::printf("%s\n", claimgate::protocols::versionLine("claimgate-recon").c_str());
        return claimgate::recon::kExitOk;
    }
    if (name == "--help" || name == "-h" || name == "help") {
        usage(stdout);
        return claimgate::recon::kExitOk;
    }
    for (const auto& command : claimgate::recon::commands()) {
        if (command.name == name) {
            return command.run(argc - 1, argv + 1);
        }
    }
    std::fprintf(stderr, "claimgate-recon: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return claimgate::recon::kExitUsage;
}
