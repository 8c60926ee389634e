// Runs every case's hot code at a small scale (about 3 s of CPU in total) and checks the checksums against the
// values the command line prints for the same scale (`InlineSamples <case> --scale X`): the cases are deterministic
// across processes, so a changed checksum means the case's work changed.
using InlineSamples;
using Xunit;

namespace SampleTests;

public class CaseChecksumTests
{
    [Fact]
    public void Mixer_medium_and_throwhelper_match_the_command_line()
    {
        Assert.Equal(0x8c1dc6e1079e117aUL, MixerCase.Run(0.1));
        Assert.Equal(0x654680bbedcb1e27UL, MediumCase.Run(0.1));
        Assert.Equal(0xa8e8c5220c07d014UL, ThrowHelperCase.Run(0.1));
    }

    [Fact]
    public void Fastslow_generic_and_interface_match_the_command_line()
    {
        Assert.Equal(0x8e519e61ff923d73UL, FastSlowCase.Run(0.1));
        Assert.Equal(0xb73b5074020d39b2UL, GenericCase.Run(0.1));
        Assert.Equal(0x094aeeb2f52e0c1aUL, InterfaceCase.Run(0.1));
    }

    [Fact]
    public void Pipeline_matches_the_command_line() => Assert.Equal(0x300c24db731fcacaUL, PipelineCase.Run(0.1));

    [Fact]
    public void Threads_is_deterministic_despite_scheduling()
    {
        // 60 threads claim items in a different order every run; the summed result must not depend on it.
        Assert.Equal(0x21a0c5aa5e400fb3UL, ThreadsCase.Run(0.01));
    }
}
