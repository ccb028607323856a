package dev.watchpost.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code watchpost}: the operator's command line. Exit codes: 0 success, 1 the daemon answered but
 * not everything went well (e.g. NACKs), 2 usage error, 3 the daemon could not be reached.
 */
@Command(name = "watchpost", mixinStandardHelpOptions = true, version = "watchpost 0.1.0",
        description = "Watchpost admin CLI.",
        subcommands = {StatusCommand.class, SendCommand.class, JournalCommand.class, ConfigCommand.class, RulesCommand.class, ReloadCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the daemon answered, but not everything succeeded (e.g. NACKs)",
                "2:usage error (including an invalid configuration for config validate, or a rules file with problems for reload)", "3:the daemon could not be reached"})
public final class Watchpost {
    static final int EXIT_PARTIAL = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_UNREACHABLE = 3;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Watchpost());
        cmd.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? EXIT_USAGE
                : e instanceof java.io.IOException ? EXIT_UNREACHABLE : EXIT_PARTIAL);
        return cmd;
    }
}
