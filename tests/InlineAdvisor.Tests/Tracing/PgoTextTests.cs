// The DOTNET_WritePGOData text format: parsing and the block count of a site.
using InlineAdvisor.Tracing;
using Xunit;

namespace InlineAdvisor.Tests.Tracing;

public sealed class PgoTextTests
{
    // Verbatim shape of the runtime's file (recorded from a run of a hashing loop on this machine).
    private const string Text = """
        *** START PGO Data, max index = 5 ***
        @@@ codehash 0xC23CF21C methodhash 0xB3239DB2 ilSize 0x00000020 records 0x00000002
        MethodName: Hasher.Hash
        Signature: unsigned int64  (unsigned int8[],unsigned int64)
        Schema InstrumentationKind 385 ILOffset 8 Count 1 Other 24
        8087552
        Schema InstrumentationKind 385 ILOffset 30 Count 1 Other 0
        4
        @@@ codehash 0x1 methodhash 0x2 ilSize 0x00000010 records 0x00000002
        MethodName: Shapes.Total
        Signature: float64  (class Shapes.IShape[])
        Schema InstrumentationKind 177 ILOffset 12 Count 8 Other 0
        5
        Schema InstrumentationKind 195 ILOffset 12 Count 8 Other 0
        TypeHandle: Shapes.Circle
        TypeHandle: Shapes.Square
        *** END PGO Data ***
        """;

    [Fact]
    public void Edge_counts_are_read_and_class_profiles_skipped()
    {
        using var dir = new EndToEnd.TempDir();
        File.WriteAllText(dir.File("p.txt"), Text);
        var pgo = PgoText.Parse(dir.File("p.txt"));
        var hash = pgo["Hasher.Hash|unsigned int64  (unsigned int8[],unsigned int64)"];
        Assert.Equal([(8, 24, 8087552L), (30, 0, 4L)], hash.Edges);
        Assert.False(pgo.ContainsKey("Shapes.Total|float64  (class Shapes.IShape[])"));   // no edge records
    }

    [Fact]
    public void A_site_gets_the_count_of_the_block_holding_it()
    {
        var m = new MethodPgo([(8, 24, 8087552), (30, 0, 4)]);
        Assert.Equal(8087552, m.BlockCount(0x10));   // in the block starting at 8
        Assert.Equal(8087552, m.BlockCount(24));     // block 24, entered by the edge from 8
        Assert.Equal(4, m.BlockCount(31));
        // "30 → 0" is Ball–Larus's pseudo-edge from the return back to the entry: the entry block's count
        // is the number of calls.
        Assert.Equal(4, m.BlockCount(3));
        Assert.Null(new MethodPgo([(8, 24, 5)]).BlockCount(3));   // before any instrumented block
    }
}
