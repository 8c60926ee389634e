// Reads a .nettrace once, streaming, into the raw facts analysis needs (no TraceLog conversion).
using System.Reflection;
using System.Reflection.Emit;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace InlineAdvisor.Tracing;

/// <summary>
/// A method as the events name it, with the type's instantiation removed ("Box`1[System.Int32]" →
/// "Box`1"): all instantiations share one identity, the unit a MethodImpl flag applies to.
/// </summary>
internal readonly record struct EventMethodName(string Type, string Name, string Signature)
{
    public static EventMethodName Of(string type, string name, string signature) =>
        new(InlineAdvisor.Metadata.RuntimeNames.NormalizeTypeName(type), name, signature);

    public string Key => $"{Type}::{Name}{Signature}";
}

/// <summary>One JIT decision, recorded inside the compile that made it.</summary>
internal sealed record InlineEvent(EventMethodName Inliner, EventMethodName Inlinee, bool Succeeded, string Reason, bool FailAlways);

/// <summary>One compiled body of a method (a tier, an OSR variant, or ReadyToRun code from rundown).</summary>
internal sealed class CodeRange
{
    public ulong Start;
    public int Size;
    public long MethodId;
    public long ModuleId;
    public int Token;
    public EventMethodName Method;
    public string Tier = "";
    public long CodeVersion;
    public double JitMilliseconds;
    public bool FromRundown;
    public int[]? IlOffsets;       // the IL-to-native map, sorted by native offset
    public int[]? NativeOffsets;
    public List<InlineEvent> Inlines = [];
    public ulong End => Start + (ulong)Size;
}

internal sealed class RawTrace
{
    public Dictionary<long, string> ModulePaths { get; } = [];
    public List<CodeRange> Code { get; } = [];
    /// <summary>Managed-code samples: each distinct stack (leaf first) with its count.</summary>
    public Dictionary<ulong[], long> Stacks { get; } = new(StackComparer.Instance);
    public long ManagedSamples;
    public long ExternalSamples;
    public long Events;
    public double DurationSeconds;
    public DateTime StartUtc;
    public string? Truncated;      // why the stream ended early, if it did
}

/// <summary>Thrown when a file is not a readable EventPipe trace; the message is for the user.</summary>
public sealed class TraceFormatException(string message, Exception? inner = null) : Exception(message, inner);

internal static class TraceReader
{
    private static readonly Func<TraceEvent, IntPtr> EventRecordOf = CompileEventRecordAccessor();

    /// <param name="samplePaths">Sample bursts recorded beside the trace (a duty-cycled collection): their stacks are resolved
    /// against the trace's compiled bodies and rundown.</param>
    public static RawTrace Read(string path, IReadOnlyList<string>? samplePaths = null)
    {
        var raw = new RawTrace();
        ReadInto(raw, path);
        var (duration, start) = (raw.DurationSeconds, raw.StartUtc);
        foreach (var burst in samplePaths ?? [])
        {
            if (!File.Exists(burst)) continue;   // deleted by --max-disk after the window was stored: its samples are in the store
            ReadInto(raw, burst);
        }
        (raw.DurationSeconds, raw.StartUtc) = (duration, start);
        return raw;
    }

    private static void ReadInto(RawTrace raw, string path)
    {
        if (!File.Exists(path)) throw new TraceFormatException($"trace file not found: {path}");
        EventPipeEventSource source;
        try
        {
            source = new EventPipeEventSource(path);
        }
        catch (Exception e)
        {
            throw new TraceFormatException($"{path} is not an EventPipe trace (.nettrace): {e.Message}", e);
        }
        using (source)
        {
            Subscribe(source, raw);
            try
            {
                source.Process();
            }
            catch (Exception e) when (raw.Events > 0)
            {
                raw.Truncated = $"the trace ends early after {raw.Events:N0} events ({e.GetType().Name}); the profile covers what was recorded";
            }
            catch (Exception e)
            {
                throw new TraceFormatException($"{path} is not a readable EventPipe trace: {e.Message}", e);
            }
            raw.DurationSeconds = source.SessionDuration.TotalSeconds;
            raw.StartUtc = source.SessionStartTime.ToUniversalTime();
        }
    }

    private static void Subscribe(EventPipeEventSource source, RawTrace raw)
    {
        var clr = source.Clr;
        var rundown = new ClrRundownTraceEventParser(source);
        var samples = new SampleProfilerTraceEventParser(source);
        // Per JIT thread: the method being compiled, when it started, and the decisions so far.
        var compiling = new Dictionary<int, (long MethodId, double StartMs, List<InlineEvent> Inlines)>();
        var byVersion = new Dictionary<(long MethodId, long Version), CodeRange>();
        // Rundown sends each body's IL-to-native map BEFORE the body's DCStop (seen on .NET 10: MapDCStop id=…b78 rejit=1,
        // then DCStop Process rejit=1 OSR); its ReJITID is then the native code version, one per body. A map with no body
        // yet waits here for it: attached, nearly every hot body comes from rundown, and without its map no sample found
        // its statement (8 s attached to the pipeline sample lost the per-element sites and their source lines).
        var waitingMaps = new Dictionary<(long MethodId, long Version), (int[] Native, int[] Il)>();

        source.AllEvents += _ => raw.Events++;

        clr.MethodJittingStarted += e => compiling[e.ThreadID] = (e.MethodID, e.TimeStampRelativeMSec, []);
        clr.MethodInliningSucceeded += e => InlinesOf(e.ThreadID).Add(new InlineEvent(
            EventMethodName.Of(e.InlinerNamespace, e.InlinerName, e.InlinerNameSignature),
            EventMethodName.Of(e.InlineeNamespace, e.InlineeName, e.InlineeNameSignature), true, "", false));
        clr.MethodInliningFailed += e => InlinesOf(e.ThreadID).Add(new InlineEvent(
            EventMethodName.Of(e.InlinerNamespace, e.InlinerName, e.InlinerNameSignature),
            EventMethodName.Of(e.InlineeNamespace, e.InlineeName, e.InlineeNameSignature), false, e.FailReason, e.FailAlways));
        clr.MethodLoadVerbose += e =>
        {
            var range = RangeOf(e, fromRundown: false);
            if (compiling.Remove(e.ThreadID, out var c) && c.MethodId == e.MethodID)
            {
                range.JitMilliseconds = e.TimeStampRelativeMSec - c.StartMs;
                range.Inlines = c.Inlines;
            }
        };
        rundown.MethodDCStopVerbose += e => RangeOf(e, fromRundown: true);
        clr.MethodILToNativeMap += e => AddMap(e);
        rundown.MethodILToNativeMapDCStop += e =>
        {
            if (!AddMap(e)) waitingMaps[(e.MethodID, (long)e.ReJITID)] = MapOf(e);
        };
        clr.LoaderModuleLoad += e => raw.ModulePaths[e.ModuleID] = e.ModuleILPath;
        rundown.LoaderModuleDCStop += e => raw.ModulePaths.TryAdd(e.ModuleID, e.ModuleILPath);

        // Most samples repeat a stack already seen: look it up by span, allocate only a new one.
        var stacks = raw.Stacks.GetAlternateLookup<ReadOnlySpan<ulong>>();
        samples.ThreadSample += e =>
        {
            if (e.Type != ClrThreadSampleType.Managed) { raw.ExternalSamples++; return; }
            raw.ManagedSamples++;
            var stack = StackOf(e);
            if (stack.Length == 0) return;
            if (stacks.TryGetValue(stack, out var count)) stacks[stack] = count + 1;
            else raw.Stacks[stack.ToArray()] = 1;
        };

        List<InlineEvent> InlinesOf(int thread)
        {
            if (!compiling.TryGetValue(thread, out var c))
                compiling[thread] = c = (0, double.NaN, []);
            return c.Inlines;
        }

        CodeRange RangeOf(MethodLoadUnloadVerboseTraceData e, bool fromRundown)
        {
            var key = (e.MethodID, (long)e.ReJITID);
            if (fromRundown && byVersion.TryGetValue(key, out var seen) && seen.Start == (ulong)e.MethodStartAddress) return seen;
            var range = new CodeRange
            {
                Start = (ulong)e.MethodStartAddress,
                Size = e.MethodSize,
                MethodId = e.MethodID,
                ModuleId = e.ModuleID,
                Token = e.MethodToken,
                Method = EventMethodName.Of(e.MethodNamespace, e.MethodName, e.MethodSignature),
                Tier = e.OptimizationTier.ToString(),
                CodeVersion = (long)e.ReJITID,
                FromRundown = fromRundown,
            };
            if (fromRundown && waitingMaps.Remove(key, out var map)) (range.NativeOffsets, range.IlOffsets) = map;
            byVersion[key] = range;
            raw.Code.Add(range);
            return range;
        }

        // False when the body is not known yet (rundown sends the map first).
        bool AddMap(MethodILToNativeMapTraceData e)
        {
            if (!byVersion.TryGetValue((e.MethodID, (long)e.ReJITID), out var range)) return false;
            if (range.IlOffsets is null) (range.NativeOffsets, range.IlOffsets) = MapOf(e);
            return true;
        }

        static (int[] Native, int[] Il) MapOf(MethodILToNativeMapTraceData e)
        {
            int n = e.CountOfMapEntries;
            var pairs = new (int Native, int Il)[n];
            for (int i = 0; i < n; i++) pairs[i] = (e.NativeOffset(i), e.ILOffset(i));
            Array.Sort(pairs);
            return (pairs.Select(p => p.Native).ToArray(), pairs.Select(p => p.Il).ToArray());
        }
    }

    // TraceEvent exposes EventPipe stacks only through TraceLog, whose full conversion costs several
    // times a plain read. EventPipeEventSource stores each event's stack as an ETW STACK_TRACE64
    // extended-data item on the record (ExtendedDataCount at offset 84, ExtendedData at 88; the item
    // keeps DataSize at 6 and DataPtr at 8, pointing at an unused 8-byte MatchId before the addresses).
    /// <summary>The event's stack, leaf first, as a view of TraceEvent's buffer: valid during the callback only.</summary>
    private static unsafe ReadOnlySpan<ulong> StackOf(TraceEvent e)
    {
        var record = (byte*)EventRecordOf(e);
        if (record == null || *(ushort*)(record + 84) == 0) return [];
        var item = *(byte**)(record + 88);
        int size = *(ushort*)(item + 6);
        var addresses = (ulong*)*(ulong*)(item + 8) + 1;
        int count = (size - 8) / 8;
        return count <= 0 ? [] : new ReadOnlySpan<ulong>(addresses, count);
    }

    private static Func<TraceEvent, IntPtr> CompileEventRecordAccessor()
    {
        var field = typeof(TraceEvent).GetField("eventRecord", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new MissingFieldException("TraceEvent.eventRecord: this TraceEvent version is not supported");
        var method = new DynamicMethod("EventRecordOf", typeof(IntPtr), [typeof(TraceEvent)], typeof(TraceReader).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, field);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Func<TraceEvent, IntPtr>>();
    }
}

/// <summary>Equality of interned stacks by content, also against a span (no allocation to look up).</summary>
internal sealed class StackComparer : IEqualityComparer<ulong[]>, IAlternateEqualityComparer<ReadOnlySpan<ulong>, ulong[]>
{
    public static readonly StackComparer Instance = new();
    public bool Equals(ulong[]? a, ulong[]? b) => a.AsSpan().SequenceEqual(b);
    public int GetHashCode(ulong[] s) => GetHashCode((ReadOnlySpan<ulong>)s);
    public bool Equals(ReadOnlySpan<ulong> a, ulong[] b) => a.SequenceEqual(b);
    public int GetHashCode(ReadOnlySpan<ulong> s)
    {
        var h = new HashCode();
        h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(s));
        return h.ToHashCode();
    }
    public ulong[] Create(ReadOnlySpan<ulong> s) => s.ToArray();
}
