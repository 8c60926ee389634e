# Sourced by findings.sh and validate.sh: the suite's libraries. Per name: the driver's library argument, the build
# folder, and the namespace prefix of the library's own methods.
RW_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RW_ROOT="$(cd "$RW_DIR/../.." && pwd)"
RW_APP="$RW_DIR/bin/Release/net10.0"
RW_APP8="$RW_DIR/Hashing8/bin/Release/net10.0"
RW_ALL="hashing hashing8 lz4 xxhash csv yaml markdown nodatime sharpziplib zstd bouncycastle"
ADVISOR_DLL="$RW_ROOT/server/InlineAdvisor.Cli/bin/Release/net10.0/advisor.dll"
EVENTS_DLL="$RW_DIR/InlineEvents/bin/Release/net10.0/InlineEvents.dll"

rw_arg() { case "$1" in hashing8) echo hashing ;; *) echo "$1" ;; esac; }
rw_app() { case "$1" in hashing8) echo "$RW_APP8" ;; *) echo "$RW_APP" ;; esac; }
rw_ns() {
  case "$1" in
    hashing|hashing8) echo System.IO.Hashing ;;
    lz4) echo K4os.Compression.LZ4 ;;
    xxhash) echo K4os.Hash.xxHash ;;
    csv) echo CsvHelper ;;
    yaml) echo YamlDotNet ;;
    markdown) echo Markdig ;;
    nodatime) echo NodaTime ;;
    sharpziplib) echo ICSharpCode.SharpZipLib ;;
    zstd) echo ZstdSharp ;;
    bouncycastle) echo Org.BouncyCastle ;;
    *) return 1 ;;
  esac
}

# Builds the advisor (if missing), the driver, its System.IO.Hashing 8.0.0 variant and the event counter.
rw_build() {
  if [ ! -f "$ADVISOR_DLL" ]; then dotnet build -c Release "$RW_ROOT/InlineAdvisor.sln" -nologo -v:quiet || return 1; fi
  for p in "$RW_DIR/RealWorld.csproj" "$RW_DIR/Hashing8/Hashing8.csproj" "$RW_DIR/InlineEvents/InlineEvents.csproj"; do
    dotnet build -c Release "$p" -nologo -v:quiet --disable-build-servers >/dev/null || { echo "build failed: $p" >&2; return 1; }
  done
}
