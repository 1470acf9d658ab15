// claimgate-sim: terminals, T-Road platform, fault proxy, load and roster generators (contracts §9).
#include "command_registry.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <string>

namespace {

void printUsage() {
    std::fprintf(stderr, "usage: claimgate-sim COMMAND [--help] [options]\n\ncommands:\n");
    for (const auto& command : claimgate::simulators::CommandRegistry::instance().sorted()) {
        std::fprintf(stderr, "  %-11s %s\n", command.name.c_str(), command.summary.c_str());
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Everything this process creates (ledger, pepper, journals, reports) is for its owner
    // only, whatever the umask of the shell that started it (no citizen data for other users).
    ::umask(077);
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        printUsage();
        return argc < 2 ? 2 : 0;
    }
    const auto* command = claimgate::simulators::CommandRegistry::instance().find(argv[1]);
    if (command == nullptr) {
        std::fprintf(stderr, "claimgate-sim: unknown command '%s'\n", argv[1]);
        printUsage();
        return 2;
    }
    return command->main(argc - 1, argv + 1);
}
