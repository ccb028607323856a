package dev.watchpost.cli;

import picocli.CommandLine;

/** {@code HOST:PORT}, as typed on the command line. */
record HostPort(String host, int port) {
    static final class Converter implements CommandLine.ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new CommandLine.TypeConversionException("expected HOST:PORT, got '" + value + "'");
            }
            try {
                int port = Integer.parseInt(value.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new HostPort(value.substring(0, colon), port);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("port must be 1..65535 in '" + value + "'");
            }
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
