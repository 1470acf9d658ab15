// claimgate-sim: terminals, T-Road platform, fault proxy, load and roster generators (contracts
// §9).
#include "command_registry.hpp"

#include <sys/stat.h>

#include <claimgate/protocols/build_info.hpp>

#include <cstdio>
#include <string>

namespace {

void printUsage(std::FILE* out) {
    std::fprintf(out,
                 "claimgate-sim: simulators of the terminals, the T-Road platform and the\n"
                 "network, and load and roster generators (contracts section 9).\n\n"
                 "usage: claimgate-sim COMMAND [--help] [options]\n"
                 "       claimgate-sim --version | --help\n\ncommands:\n");
    for (const auto& command : claimgate::simulators::CommandRegistry::instance().sorted()) {
        std::fprintf(out, "  %-11s %s\n", command.name.c_str(), command.summary.c_str());
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Everything this process creates (ledger, pepper, journals, reports) is for its owner
    // only, whatever the umask of the shell that started it (no citizen data for other users).
    ::umask(077);
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    if (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        printUsage(stdout);
        return 0;
    }
    if (std::string(argv[1]) == "--version") {
        std::printf("%s\n", claimgate::protocols::versionLine("claimgate-sim").c_str());
        return 0;
    }
    const auto* command = claimgate::simulators::CommandRegistry::instance().find(argv[1]);
    if (command == nullptr) {
        std::fprintf(stderr, "claimgate-sim: unknown command '%s'\n", argv[1]);
        printUsage(stderr);
        return 2;
    }
    return command->main(argc - 1, argv + 1);
}
