// One workload per library: the library's hot path on deterministic in-process inputs. Each Iteration method is
// [NoInlining] so it stays a compile of its own and the JIT reports the library's call sites under a stable name.
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using Markdig;

namespace RealWorld;

/// <summary>System.IO.Hashing: XxHash32/64/3/128 and CRC-32/64, one-shot over mixed sizes and streaming appends.</summary>
public static class HashingWorkload
{
    private static readonly byte[] Data = new SplitMix64(1).Bytes(1 << 16);
    private static readonly int[] Sizes = [3, 8, 16, 31, 64, 100, 240, 512, 1500, 4096, 16384];

    public static Workload Create() => new("hashing", "XxHash32/64/3/128, Crc32/64 over 3 B-16 KiB buffers, one-shot and streaming",
        typeof(XxHash64), 144000, Iteration);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i)
    {
        ulong acc = 0;
        foreach (int size in Sizes)
        {
            var span = Data.AsSpan((i * 131 + size) & 0x7FFF, size);
            acc += XxHash64.HashToUInt64(span, i);
            acc += XxHash3.HashToUInt64(span, i);
            acc += (ulong)XxHash128.HashToUInt128(span, i);
            acc += XxHash32.HashToUInt32(span, i);
            acc += Crc32.HashToUInt32(span);
            acc += Crc64.HashToUInt64(span);
        }
        var x = new XxHash64(i);
        var y = new XxHash128(i);
        for (int k = 0; k < 256; k++)
        {
            var piece = Data.AsSpan((i + k * 37) & 0xFFFF & ~63, 1 + (k & 31));
            x.Append(piece);
            y.Append(piece);
        }
        return acc ^ x.GetCurrentHashAsUInt64() ^ (ulong)y.GetCurrentHashAsUInt128();
    }
}

/// <summary>K4os.Compression.LZ4: block encode (fast and HC) and decode of text-like data.</summary>
public static class Lz4Workload
{
    private static readonly byte[] Text = new SplitMix64(2).Text(1 << 16);

    public static Workload Create() => new("lz4", "LZ4 block encode (L00_FAST, L03_HC) + decode of 64 KiB of text-like data",
        typeof(K4os.Compression.LZ4.LZ4Codec), 9600, Iteration);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i)
    {
        var level = i % 8 == 0 ? K4os.Compression.LZ4.LZ4Level.L03_HC : K4os.Compression.LZ4.LZ4Level.L00_FAST;
        var input = Text.AsSpan(i & 0xFF, (1 << 16) - 256);
        var packed = new byte[K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(input.Length)];
        int n = K4os.Compression.LZ4.LZ4Codec.Encode(input, packed, level);
        var back = new byte[input.Length];
        int m = K4os.Compression.LZ4.LZ4Codec.Decode(packed.AsSpan(0, n), back);
        if (m != input.Length || back[m / 2] != input[m / 2]) throw new InvalidOperationException("lz4 round trip failed");
        return (ulong)n * 31 + back[i % m];
    }
}

/// <summary>K4os.Hash.xxHash: XXH32/XXH64 one-shot over mixed sizes and streaming updates.</summary>
public static class XxHashWorkload
{
    private static readonly byte[] Data = new SplitMix64(3).Bytes(1 << 16);
    private static readonly int[] Sizes = [3, 8, 16, 31, 64, 100, 240, 512, 1500, 4096, 16384];

    public static Workload Create() => new("xxhash", "K4os XXH32/XXH64 over 3 B-16 KiB buffers, one-shot and streaming",
        typeof(K4os.Hash.xxHash.XXH64), 340000, Iteration);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i)
    {
        ulong acc = 0;
        foreach (int size in Sizes)
        {
            var span = Data.AsSpan((i * 131 + size) & 0x7FFF, size);
            acc += K4os.Hash.xxHash.XXH64.DigestOf(span);
            acc += K4os.Hash.xxHash.XXH32.DigestOf(span);
        }
        var x = new K4os.Hash.xxHash.XXH64();
        for (int k = 0; k < 256; k++) x.Update(Data.AsSpan((i + k * 37) & 0xFFFF & ~63, 1 + (k & 31)));
        return acc ^ x.Digest();
    }
}

public sealed class Trade
{
    public int Id { get; set; }
    public string Symbol { get; set; } = "";
    public decimal Price { get; set; }
    public double Quantity { get; set; }
    public DateTime When { get; set; }
    public bool Buy { get; set; }
    public string Note { get; set; } = "";
}

/// <summary>CsvHelper: write 2,000 records field by field, read them back and parse every field.</summary>
public static class CsvWorkload
{
    private static readonly Trade[] Trades = Make(2000);

    private static Trade[] Make(int n)
    {
        var r = new SplitMix64(4);
        var t = new Trade[n];
        var epoch = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (int i = 0; i < n; i++)
            t[i] = new Trade
            {
                Id = i, Symbol = r.Word().ToUpperInvariant(), Price = r.Next(10_000_000) / 100m, Quantity = r.Next(1000) / 8.0,
                When = epoch.AddSeconds(r.Next(30_000_000)), Buy = r.Next(2) == 0,
                Note = r.Next(5) == 0 ? $"{r.Word()}, \"{r.Word()}\"" : r.Word(),
            };
        return t;
    }

    private static readonly string[] Header = ["Id", "Symbol", "Price", "Quantity", "When", "Buy", "Note"];

    public static Workload Create() => new("csv", "CsvHelper 34 (field API): write 2,000 records of 7 fields to CSV text, read and parse them back",
        typeof(CsvHelper.CsvReader), 1500, Iteration);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        using (var w = CsvHelper.CsvWriter.Create(sw, CsvHelper.CsvWriterOptions.Default, true))
        {
            w.WriteHeader(Header);
            foreach (var t in Trades)
            {
                w.WriteField(t.Id, "");
                w.WriteField(t.Symbol);
                w.WriteField(t.Price, "");
                w.WriteField(t.Quantity, "R");
                w.WriteField(t.When, "O");
                w.WriteField(t.Buy ? "true" : "false");
                w.WriteField(t.Note);
                w.EndRecord();
            }
            w.Flush();
        }
        string text = sw.ToString();
        ulong acc = Checksum.Of(text);
        using var r = CsvHelper.CsvReader.FromText(text, CsvHelper.CsvReaderOptions.Default);
        while (r.Read())
        {
            int id = r.Parse<int>(0);
            decimal price = r.Parse<decimal>(2);
            double qty = r.Parse<double>(3);
            var when = r.Parse<DateTime>(4);
            bool buy = r.Parse<bool>(5);
            acc = acc * 31 + (ulong)id + (ulong)(price * 100) + (ulong)(qty * 8) + (ulong)when.Ticks + (buy ? 1UL : 0) + (ulong)r.GetString(6).Length + (ulong)r.GetString(1).Length;
        }
        return acc + (ulong)i;
    }
}

public sealed class ServiceConfig
{
    public string Name { get; set; } = "";
    public int Port { get; set; }
    public bool Enabled { get; set; }
    public double Weight { get; set; }
    public List<string> Tags { get; set; } = [];
    public Dictionary<string, string> Settings { get; set; } = [];
    public List<Endpoint> Endpoints { get; set; } = [];
}

public sealed class Endpoint
{
    public string Path { get; set; } = "";
    public string Method { get; set; } = "";
    public int TimeoutMs { get; set; }
}

/// <summary>YamlDotNet: serialize an object graph of 40 services, deserialize it back.</summary>
public static class YamlWorkload
{
    private static readonly List<ServiceConfig> Services = Make(40);
    private static readonly YamlDotNet.Serialization.ISerializer Serializer = new YamlDotNet.Serialization.SerializerBuilder().Build();
    private static readonly YamlDotNet.Serialization.IDeserializer Deserializer = new YamlDotNet.Serialization.DeserializerBuilder().Build();

    private static List<ServiceConfig> Make(int n)
    {
        var r = new SplitMix64(5);
        var list = new List<ServiceConfig>();
        for (int i = 0; i < n; i++)
        {
            var s = new ServiceConfig { Name = $"{r.Word()}-{i}", Port = 1000 + r.Next(60000), Enabled = r.Next(2) == 0, Weight = r.Next(1000) / 7.0 };
            for (int k = 0; k < 4; k++) s.Tags.Add(r.Word());
            for (int k = 0; k < 5; k++) s.Settings[$"{r.Word()}{k}"] = $"{r.Word()} {r.Next(100)}";
            for (int k = 0; k < 3; k++) s.Endpoints.Add(new Endpoint { Path = $"/{r.Word()}/{r.Word()}", Method = k == 0 ? "GET" : "POST", TimeoutMs = r.Next(5000) });
            list.Add(s);
        }
        return list;
    }

    public static Workload Create() => new("yaml", "YamlDotNet: serialize 40 nested config objects to YAML, deserialize them back",
        typeof(YamlDotNet.Serialization.Serializer), 110, Iteration);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i)
    {
        string yaml = Serializer.Serialize(Services);
        var back = Deserializer.Deserialize<List<ServiceConfig>>(yaml);
        ulong acc = Checksum.Of(yaml);
        foreach (var s in back) acc = acc * 31 + (ulong)s.Port + (ulong)s.Endpoints.Count;
        return acc + (ulong)i;
    }
}

/// <summary>Markdig: a generated ~40 KB document to HTML, with the advanced extensions.</summary>
public static class MarkdownWorkload
{
    private static readonly string Doc = Make();
    private static readonly Markdig.MarkdownPipeline Pipeline = new Markdig.MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    private static string Make()
    {
        var r = new SplitMix64(6);
        var sb = new StringBuilder();
        for (int section = 0; sectionless(sb); section++)
        {
            sb.Append("## ").Append(r.Word()).Append(' ').Append(r.Word()).Append(' ').Append(section).Append("\n\n");
            for (int p = 0; p < 3; p++)
            {
                for (int w = 0; w < 40; w++)
                {
                    int k = r.Next(12);
                    string word = r.Word();
                    sb.Append(k switch { 0 => $"**{word}**", 1 => $"*{word}*", 2 => $"`{word}`", 3 => $"[{word}](https://example.org/{word})", _ => word }).Append(' ');
                }
                sb.Append("\n\n");
            }
            sb.Append("- ").Append(r.Word()).Append("\n- ").Append(r.Word()).Append("\n  - ").Append(r.Word()).Append("\n\n");
            sb.Append("| a | b | c |\n|---|---|---|\n");
            for (int row = 0; row < 4; row++) sb.Append($"| {r.Word()} | {r.Next(1000)} | {r.Word()} |\n");
            sb.Append("\n```csharp\nvar x = ").Append(r.Next(100)).Append(";\n```\n\n> ").Append(r.Word()).Append(" quote\n\n");
        }
        return sb.ToString();

        static bool sectionless(StringBuilder sb) => sb.Length < 40_000;
    }

    public static Workload Create() => new("markdown", "Markdig: a generated 40 KB document (emphasis, links, lists, tables, code) to HTML",
        typeof(Markdig.Markdown), 440, Iteration);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i) => Checksum.Of(Markdig.Markdown.ToHtml(Doc, Pipeline)) + (ulong)i;
}

/// <summary>NodaTime: ISO/custom pattern parse and format, zone conversion through the TZDB provider.</summary>
public static class NodaTimeWorkload
{
    private static readonly NodaTime.Text.LocalDateTimePattern Custom = NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("yyyy-MM-dd HH:mm:ss.fff");
    private static readonly NodaTime.Text.InstantPattern Iso = NodaTime.Text.InstantPattern.ExtendedIso;
    private static readonly string[] ZoneIds = ["Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Europe/Berlin", "America/Sao_Paulo"];
    private static NodaTime.DateTimeZone[] _zones = [];
    private static string[] _texts = [];

    public static Workload Create() => new("nodatime", "NodaTime: pattern parse/format of 2,000 timestamps, conversion to 6 TZDB zones",
        typeof(NodaTime.Instant), 1600, Iteration, Setup);

    private static void Setup()
    {
        _zones = ZoneIds.Select(id => NodaTime.DateTimeZoneProviders.Tzdb[id]).ToArray();
        var r = new SplitMix64(7);
        var start = NodaTime.Instant.FromUtc(2000, 1, 1, 0, 0);
        _texts = Enumerable.Range(0, 2000).Select(_ => Iso.Format(start + NodaTime.Duration.FromMilliseconds((long)(r.Next() % 800_000_000_000UL)))).ToArray();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i)
    {
        ulong acc = 0;
        foreach (var text in _texts)
        {
            var instant = Iso.Parse(text).Value;
            var zone = _zones[(int)(acc % (ulong)_zones.Length)];
            var zoned = instant.InZone(zone);
            string local = Custom.Format(zoned.LocalDateTime);
            var parsed = Custom.Parse(local).Value;
            var back = parsed.InZoneLeniently(zone).ToInstant();
            acc = acc * 31 + (ulong)back.ToUnixTimeMilliseconds() + (ulong)zoned.Offset.Seconds + (ulong)local.Length;
        }
        return acc + (ulong)i;
    }
}

/// <summary>SharpZipLib: deflate + inflate (zlib streams) and BZip2 compress + decompress of text-like data.</summary>
public static class SharpZipLibWorkload
{
    private static readonly byte[] Text = new SplitMix64(8).Text(1 << 16);

    public static Workload Create() => new("sharpziplib", "SharpZipLib: Deflater/Inflater streams of 64 KiB text; BZip2 every 4th iteration",
        typeof(ICSharpCode.SharpZipLib.Zip.Compression.Deflater), 400, Iteration);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i)
    {
        var input = Text.AsSpan(i & 0xFF).ToArray();
        var packed = new MemoryStream();
        using (var z = new ICSharpCode.SharpZipLib.Zip.Compression.Streams.DeflaterOutputStream(packed, new ICSharpCode.SharpZipLib.Zip.Compression.Deflater(6)) { IsStreamOwner = false })
            z.Write(input);
        packed.Position = 0;
        var back = new MemoryStream();
        using (var z = new ICSharpCode.SharpZipLib.Zip.Compression.Streams.InflaterInputStream(packed) { IsStreamOwner = false }) z.CopyTo(back);
        if (back.Length != input.Length) throw new InvalidOperationException("inflate round trip failed");
        ulong acc = (ulong)packed.Length;
        if (i % 4 == 0)
        {
            var bz = new MemoryStream();
            using (var z = new ICSharpCode.SharpZipLib.BZip2.BZip2OutputStream(bz, 9) { IsStreamOwner = false }) z.Write(input.AsSpan(0, 16384));
            bz.Position = 0;
            var unbz = new MemoryStream();
            ICSharpCode.SharpZipLib.BZip2.BZip2.Decompress(bz, unbz, false);
            if (unbz.Length != 16384) throw new InvalidOperationException("bzip2 round trip failed");
            acc += (ulong)bz.Length * 7;
        }
        return acc * 31 + back.GetBuffer()[i % (int)back.Length];
    }
}

/// <summary>ZstdSharp.Port: compress (levels 1 and 3) + decompress of text-like data.</summary>
public static class ZstdWorkload
{
    private static readonly byte[] Text = new SplitMix64(9).Text(1 << 16);
    private static readonly ZstdSharp.Compressor Fast = new(1);
    private static readonly ZstdSharp.Compressor Default = new(3);
    private static readonly ZstdSharp.Decompressor Decompressor = new();

    public static Workload Create() => new("zstd", "ZstdSharp: compress (level 1, level 3 every 4th) + decompress 64 KiB of text-like data",
        typeof(ZstdSharp.Compressor), 6800, Iteration);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i)
    {
        var input = Text.AsSpan(i & 0xFF);
        var packed = (i % 4 == 0 ? Default : Fast).Wrap(input);
        var back = Decompressor.Unwrap(packed);
        if (back.Length != input.Length) throw new InvalidOperationException("zstd round trip failed");
        return (ulong)packed.Length * 31 + back[i % back.Length];
    }
}

/// <summary>BouncyCastle: SHA-256 digests, AES-GCM encrypt/decrypt, ECDSA P-256 sign/verify (RFC 6979 nonces).</summary>
public static class BouncyCastleWorkload
{
    private static readonly byte[] Data = new SplitMix64(10).Bytes(1 << 14);
    private static readonly byte[] Key = new SplitMix64(11).Bytes(32);
    private static Org.BouncyCastle.Crypto.Parameters.ECPrivateKeyParameters? _priv;
    private static Org.BouncyCastle.Crypto.Parameters.ECPublicKeyParameters? _pub;

    public static Workload Create() => new("bouncycastle", "BouncyCastle: SHA-256 of 16 KiB, AES-256-GCM of 16 KiB, ECDSA P-256 sign+verify every 8th",
        typeof(Org.BouncyCastle.Crypto.Digests.Sha256Digest), 3600, Iteration, Setup);

    private static void Setup()
    {
        var curve = Org.BouncyCastle.Asn1.X9.ECNamedCurveTable.GetByName("P-256");
        var domain = new Org.BouncyCastle.Crypto.Parameters.ECDomainParameters(curve.Curve, curve.G, curve.N, curve.H);
        var d = new Org.BouncyCastle.Math.BigInteger(1, new SplitMix64(12).Bytes(32)).Mod(curve.N.Subtract(Org.BouncyCastle.Math.BigInteger.One)).Add(Org.BouncyCastle.Math.BigInteger.One);
        _priv = new Org.BouncyCastle.Crypto.Parameters.ECPrivateKeyParameters(d, domain);
        _pub = new Org.BouncyCastle.Crypto.Parameters.ECPublicKeyParameters(domain.G.Multiply(d).Normalize(), domain);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Iteration(int i)
    {
        var sha = new Org.BouncyCastle.Crypto.Digests.Sha256Digest();
        var hash = new byte[32];
        sha.BlockUpdate(Data, 0, Data.Length);
        sha.DoFinal(hash, 0);

        var nonce = new byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(nonce, i);
        var gcm = new Org.BouncyCastle.Crypto.Modes.GcmBlockCipher(new Org.BouncyCastle.Crypto.Engines.AesEngine());
        gcm.Init(true, new Org.BouncyCastle.Crypto.Parameters.AeadParameters(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(Key), 128, nonce));
        var sealedBytes = new byte[gcm.GetOutputSize(Data.Length)];
        int len = gcm.ProcessBytes(Data, 0, Data.Length, sealedBytes, 0);
        len += gcm.DoFinal(sealedBytes, len);
        gcm.Init(false, new Org.BouncyCastle.Crypto.Parameters.AeadParameters(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(Key), 128, nonce));
        var opened = new byte[gcm.GetOutputSize(len)];
        int olen = gcm.ProcessBytes(sealedBytes, 0, len, opened, 0);
        olen += gcm.DoFinal(opened, olen);
        if (olen != Data.Length || opened[i % olen] != Data[i % olen]) throw new InvalidOperationException("AES-GCM round trip failed");

        ulong acc = BinaryPrimitives.ReadUInt64LittleEndian(hash) ^ BinaryPrimitives.ReadUInt64LittleEndian(sealedBytes.AsSpan(len - 8));
        if (i % 8 == 0)
        {
            var signer = new Org.BouncyCastle.Crypto.Signers.ECDsaSigner(new Org.BouncyCastle.Crypto.Signers.HMacDsaKCalculator(new Org.BouncyCastle.Crypto.Digests.Sha256Digest()));
            signer.Init(true, _priv);
            var sig = signer.GenerateSignature(hash);
            signer.Init(false, _pub);
            if (!signer.VerifySignature(hash, sig[0], sig[1])) throw new InvalidOperationException("ECDSA verify failed");
            acc += (ulong)sig[0].LongValue ^ (ulong)sig[1].LongValue;
        }
        return acc;
    }
}
