// File: command_registry.hpp
// Subcommands of claimgate-sim register themselves, so each lives in its own folder and main.cpp
// never changes when one is added:
//
//   CG_SIM_COMMAND(roster, "N synthetic citizens with valid checksums", runRosterCommand);
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace claimgate::simulators {

/// argv[0] is the subcommand name; returns the process exit code.
using CommandMain = std::function<int(int argc, char** argv)>;

struct Command {
    std::string name;
    std::string summary;
    CommandMain main;
};

class CommandRegistry {
public:
    static CommandRegistry& instance();
    void add(Command command);
    [[nodiscard]] const Command* find(const std::string& name) const;
    [[nodiscard]] std::vector<Command> sorted() const;

private:
    std::vector<Command> commands_;
};

struct CommandRegistrar {
    CommandRegistrar(const char* name, const char* summary, CommandMain main) {
        CommandRegistry::instance().add({name, summary, std::move(main)});
    }
};

}  // namespace claimgate::simulators

#define CG_SIM_COMMAND(name, summary, function)                                                    \
    static const ::claimgate::simulators::CommandRegistrar cg_sim_registrar_##name(#name, summary, \
                                                                                   function)
