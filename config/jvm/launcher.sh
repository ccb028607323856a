# Shared by ./watchpostd and ./watchpost: picks the JVM argument file for the running JDK and builds
# the jars on first use. Expects $here to be the repository root.

# The argument file for this JDK: JDK 17 refuses the flags that JDK 25 needs.
watchpost_jvm_args() {
  local feature
  feature=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  if [ "${feature%%.*}" -ge 25 ] 2>/dev/null; then
    echo "$here/config/jvm/jdk25.args"
  else
    echo "$here/config/jvm/jdk17.args"
  fi
}

# Builds the daemon and the CLI (tests skipped) when the given jar is missing or older than any of
# their source files (bench/ is not theirs: a change there rebuilds nothing).
watchpost_build_if_needed() {
  local jar="$here/$1"
  if [ ! -f "$jar" ] || [ -n "$(find "$here" -path "$here/*/src/main/*" -not -path "$here/bench/*" -newer "$jar" -print -quit 2>/dev/null)" ] \
      || [ -n "$(find "$here" -maxdepth 2 -name pom.xml -not -path "$here/bench/*" -newer "$jar" -print -quit 2>/dev/null)" ]; then
    echo "building Watchpost (first use or sources changed)..." >&2
    (cd "$here" && mvn -B -q -DskipTests package -pl daemon,cli -am >&2)
    # Maven leaves a jar whose contents did not change untouched: mark it as checked.
    touch "$jar"
  fi
}
