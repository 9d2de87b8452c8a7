using System.Reflection;
using System.Text.Json;
using Recd.Board;
using Recd.Hosting;

namespace Recd.Tests.Board;

/// <summary>Board profiles: every shipped one, detection, unknown keys in each layer, Base problems, show's sources.</summary>
public sealed class ProfileTests : IDisposable
{
    private static readonly string BoardDir = FindBoardDir();
    private readonly string _tmp = Directory.CreateTempSubdirectory("recd-profile-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private static string FindBoardDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "board", "host-x86_64.json"))) return Path.Combine(d.FullName, "board");
        throw new DirectoryNotFoundException("board/ not found above the test binary");
    }

    public static TheoryData<string> Shipped() => new(Directory.GetFiles(FindBoardDir(), "*.json").Select(Path.GetFileNameWithoutExtension).Order()!);

    private static ProfileLoader.Loaded Load(params string[] args) => ProfileLoader.Load(["--board-dir", BoardDir, .. args], "/nonexistent/compatible");

    [Fact]
    public void TheRequiredBoardsShip()
    {
        var names = Directory.GetFiles(BoardDir, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).ToHashSet();
        foreach (var n in (string[])["host-x86_64", "generic-arm64", "generic-armhf", "generic-mipsel", "qemu-virt-arm64"]) Assert.Contains(n, names);
        // At least three media SoC boards: the profiles with device-tree strings, other than the emulated one.
        Assert.True(names.Count(n => Load("--board", n).Profile.Compatible.Count > 0 && n != "qemu-virt-arm64") >= 3);
    }

    [Theory, MemberData(nameof(Shipped))]
    public void ShippedProfileLoadsValidatesAndChecks(string board)
    {
        var p = Load("--board", board).Profile;
        Assert.Equal(board, p.Board);
        Assert.Empty(p.Problems());
        Assert.Equal("auto", p.WritePaths.Default); // auto is the product
        Assert.NotEmpty(p.Selector.Candidates);
        Assert.False(string.IsNullOrWhiteSpace(p.Description));
        Assert.NotEmpty(p.Why);
        Assert.Empty(ProfileCommand.Problems(Path.Combine(BoardDir, board + ".json")));
    }

    [Theory]
    [InlineData("generic-armhf", "generic-arm64")]
    [InlineData("generic-mipsel", "generic-arm64")]
    [InlineData("amlogic-s905x", "generic-arm64")]
    [InlineData("hisilicon-hi3798cv200", "generic-arm64")]
    [InlineData("realtek-rtd1295", "generic-arm64")]
    [InlineData("qemu-virt-arm64", "generic-arm64")]
    public void ChildrenInheritFromTheirBase(string board, string baseBoard)
    {
        var loaded = Load("--board", board);
        Assert.Equal([baseBoard + ".json", board + ".json"], loaded.Files.Select(Path.GetFileName));
        var parent = Load("--board", baseBoard).Profile;
        // Values the child does not set come from the base.
        Assert.Equal(parent.Listen.Address, loaded.Profile.Listen.Address);
        Assert.Equal(parent.RuntimeDir, loaded.Profile.RuntimeDir);
        var row = ProfileCommand.Rows(loaded).Single(r => r.Key == "Listen:Port");
        Assert.Equal(baseBoard + ".json", row.Source);
    }

    [Theory]
    [InlineData("amlogic-s905x")]
    [InlineData("hisilicon-hi3798cv200")]
    [InlineData("realtek-rtd1295")]
    public void CopyBoundBoardsPutSpliceLast(string board)
    {
        var p = Load("--board", board).Profile;
        Assert.StartsWith("splice", p.Selector.Candidates[^1]);
        Assert.True(p.WritePaths.BufferBytes > Load("--board", "generic-arm64").Profile.WritePaths.BufferBytes);
        Assert.Contains("Selector", p.Why.Keys);
    }

    [Fact]
    public void EmulatedBoardHasItsGpioAndConsole()
    {
        var p = Load("--board", "qemu-virt-arm64").Profile;
        Assert.Equal(0, p.Gpio.Chip);
        Assert.Equal("libgpiod", p.Gpio.Driver);
        Assert.NotEqual(3, p.Gpio.RecordingLed.Line);
        Assert.DoesNotContain(3, p.Gpio.Lines().Select(l => l.Line.Line));
        Assert.True(p.Gpio.RecordingLed.Line >= 0);
        Assert.Contains(p.Console.Tty, (string[])["/dev/ttyS0", "/dev/hvc0"]);
    }

    [Fact]
    public void GenericNonDotnetProfilesSaySo()
    {
        Assert.Contains("no MIPS target", Load("--board", "generic-mipsel").Profile.Description);
        Assert.Contains("NativeAOT", Load("--board", "generic-armhf").Profile.Description);
    }

    [Fact]
    public void CheckPassesOnEveryShippedProfile()
    {
        var output = new StringWriter();
        Assert.Equal(0, ProfileCommand.Check(Directory.GetFiles(BoardDir, "*.json"), output));
    }

    // --- detection ---

    private string Compatible(params string[] strings)
    {
        string path = Path.Combine(_tmp, "compatible");
        File.WriteAllText(path, string.Join('\0', strings) + "\0");
        return path;
    }

    [Fact]
    public void DetectsTheBoardFromTheDeviceTree()
    {
        var loaded = ProfileLoader.Load(["--board-dir", BoardDir], Compatible("amlogic,p212", "amlogic,s905x", "amlogic,meson-gxl"));
        Assert.Equal("amlogic-s905x", loaded.Profile.Board);
        Assert.False(loaded.Unrecognised);
        Assert.Contains("detected", loaded.Choice);
    }

    [Fact]
    public void DetectionPrefersTheMostSpecificString()
    {
        // A clone with its own first string still matches on the SoC's.
        var (board, _, _) = ProfileLoader.Detect(BoardDir, Compatible("acme,tvbox-9000", "amlogic,s905x", "amlogic,meson-gxl"));
        Assert.Equal("amlogic-s905x", board);
        Assert.Equal("qemu-virt-arm64", ProfileLoader.Detect(BoardDir, Compatible("linux,dummy-virt")).Board);
    }

    [Fact]
    public void AnUnknownBoardFallsBackToTheArchitecturesProfileAndSaysSo()
    {
        var (board, choice, unrecognised) = ProfileLoader.Detect(BoardDir, Compatible("acme,unknown", "acme,soc"));
        Assert.Equal(ProfileLoader.DefaultBoard(), board);
        Assert.True(unrecognised);
        Assert.Contains("acme,unknown", choice);
        Assert.Contains("not recognised", choice);
    }

    [Fact]
    public void NoDeviceTreeMeansTheArchitecturesProfile()
    {
        var (board, _, unrecognised) = ProfileLoader.Detect(BoardDir, Path.Combine(_tmp, "missing"));
        Assert.Equal(ProfileLoader.DefaultBoard(), board);
        Assert.False(unrecognised);
    }

    [Fact]
    public void BoardNamedExplicitlyWinsOverDetection()
    {
        var loaded = ProfileLoader.Load(["--board-dir", BoardDir, "--board", "realtek-rtd1295"], Compatible("amlogic,s905x"));
        Assert.Equal("realtek-rtd1295", loaded.Profile.Board);
    }

    // --- unknown keys, cycles, missing bases ---

    private string Write(string name, string json)
    {
        string path = Path.Combine(_tmp, name + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void UnknownKeyInAFileIsReportedWithFileAndPath()
    {
        File.Copy(Path.Combine(BoardDir, "generic-arm64.json"), Path.Combine(_tmp, "generic-arm64.json"));
        string file = Write("typo", """{ "Base": "generic-arm64", "Storage": { "Rooot": "/x" }, "Gpio": { "RecordingLed": { "Lin": 2 } } }""");
        var problems = ProfileCommand.Problems(file);
        Assert.Contains(problems, p => p.Contains("'Storage:Rooot'") && p.Contains("typo.json") && p.Contains("'Storage:Root'"));
        Assert.Contains(problems, p => p.Contains("'Gpio:RecordingLed:Lin'"));
        Assert.Equal(1, ProfileCommand.Check([file], TextWriter.Null));
        var e = Assert.Throws<ArgumentException>(() => ProfileLoader.Load(["--board-dir", _tmp, "--board", "typo"], "/nonexistent"));
        Assert.Contains("Storage:Rooot", e.Message);
    }

    [Fact]
    public void UnknownKeyOnTheCommandLineIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Load("--Storgae:Root", "/x"));
        Assert.Contains("'Storgae:Root'", e.Message);
        Assert.Contains("command line", e.Message);
        Assert.Contains("Storage:Root", e.Message);
    }

    [Fact]
    public void UnknownKeyInTheEnvironmentIsRejected()
    {
        Environment.SetEnvironmentVariable("RECD__WritePaths__BuferBytes", "65536");
        try
        {
            var e = Assert.Throws<ArgumentException>(() => Load());
            Assert.Contains("RECD__WritePaths__BuferBytes", e.Message);
            Assert.Contains("environment", e.Message);
        }
        finally { Environment.SetEnvironmentVariable("RECD__WritePaths__BuferBytes", null); }
    }

    [Fact]
    public void KnownKeysOfEveryKindAreAccepted()
    {
        var p = Load("--board", "host-x86_64", "--Selector:Candidates:0", "buffered/64K", "--Access:AllowedNetworks:0", "127.0.0.0/8",
            "--Gpio:ErrorLed:Line", "7", "--Console:Baud", "9600", "--Why:Extra", "free text").Profile;
        Assert.Equal("buffered/64K", p.Selector.Candidates[0]);
        Assert.Equal(7, p.Gpio.ErrorLed.Line);
        Assert.Equal(9600, p.Console.Baud);
    }

    [Fact]
    public void OutOfRangeValuesAreProblems()
    {
        string file = Write("bad", """{ "Console": { "Baud": 12345 }, "Gpio": { "Driver": "magic" }, "Display": { "Kind": "tm1637" }, "WritePaths": { "BufferBytes": 1000 } }""");
        var problems = ProfileCommand.Problems(file);
        Assert.Contains(problems, p => p.Contains("Console:Baud"));
        Assert.Contains(problems, p => p.Contains("Gpio:Driver"));
        Assert.Contains(problems, p => p.Contains("Display:"));
        Assert.Contains(problems, p => p.Contains("WritePaths:BufferBytes"));
    }

    [Fact]
    public void ACycleIsAProblem()
    {
        Write("a", """{ "Base": "b" }""");
        string b = Write("b", """{ "Base": "a" }""");
        var problems = ProfileCommand.Problems(b);
        Assert.Contains(problems, p => p.Contains("cycle") && p.Contains("b -> a -> b"));
        Assert.Throws<InvalidDataException>(() => ProfileLoader.Load(["--board-dir", _tmp, "--board", "a"], "/nonexistent"));
    }

    [Fact]
    public void AMissingBaseIsAProblem()
    {
        string orphan = Write("orphan", """{ "Base": "nowhere" }""");
        var problems = ProfileCommand.Problems(orphan);
        Assert.Contains(problems, p => p.Contains("orphan.json") && p.Contains("'nowhere' not found"));
        Assert.Equal(1, ProfileCommand.Check([orphan], TextWriter.Null));
    }

    // --- show ---

    [Fact]
    public void ShowNamesTheSourceOfEachValue()
    {
        Environment.SetEnvironmentVariable("RECD__Storage__ReservePercent", "7");
        try
        {
            var loaded = Load("--board", "amlogic-s905x", "--port", "9999");
            var rows = ProfileCommand.Rows(loaded).ToDictionary(r => r.Key);
            Assert.Equal(("9999", "command line"), (rows["Listen:Port"].Value, rows["Listen:Port"].Source));
            Assert.Equal(("7", "environment"), (rows["Storage:ReservePercent"].Value, rows["Storage:ReservePercent"].Source));
            Assert.Equal("amlogic-s905x.json", rows["WritePaths:BufferBytes"].Source);
            Assert.Equal("generic-arm64.json", rows["Storage:Root"].Source);
            Assert.Equal("default", rows["Http:MaxHeaderBytes"].Source);
            Assert.Equal("amlogic-s905x.json", rows["Selector:Candidates"].Source);
        }
        finally { Environment.SetEnvironmentVariable("RECD__Storage__ReservePercent", null); }
    }

    [Fact]
    public void ShowCoversEverySectionAndJsonParses()
    {
        var output = new StringWriter();
        Assert.Equal(0, ProfileCommand.Show(["--board-dir", BoardDir, "--board", "qemu-virt-arm64"], json: true, output, "/nonexistent"));
        using var doc = JsonDocument.Parse(output.ToString());
        var values = doc.RootElement.GetProperty("values");
        foreach (var key in (string[])["Selector:Candidates", "Access:AllowedNetworks", "Storage:ReserveBytes", "RunAs", "ControlSocket",
                     "WritePaths:PageCache", "Console:Tty", "Gpio:RecordingLed:Line", "Display:Kind", "Sensors:ThermalZone", "Http:RecordingReserve"])
            Assert.True(values.TryGetProperty(key, out _), key);
        Assert.Equal("/dev/hvc0", values.GetProperty("Console:Tty").GetProperty("value").GetString());
    }

    // --- the schema against the classes ---

    [Fact]
    public void EverySectionTypeIsInTheSchema()
    {
        foreach (var (type, props) in ProfileSchema.Shapes)
        {
            Assert.Equal(type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name).Order(), props.Select(p => p.Name).Order());
            foreach (var prop in props)
            {
                var t = prop.PropertyType;
                bool scalar = t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || Nullable.GetUnderlyingType(t) is not null;
                bool collection = t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(List<>) || t.GetGenericTypeDefinition() == typeof(Dictionary<,>));
                Assert.True(scalar || collection || ProfileSchema.Shapes.ContainsKey(t), $"{type.Name}.{prop.Name}: {t.Name} is a section type missing from ProfileSchema.Shapes");
            }
        }
    }

    [Fact]
    public void EveryKnownKeyIsDocumented()
    {
        string doc = File.ReadAllText(Path.Combine(BoardDir, "..", "docs", "configuration.md"));
        var missing = ProfileSchema.Keys().Where(k => !k.StartsWith("Why", StringComparison.Ordinal))
            .Where(k => !doc.Contains(k.Split(':')[^1], StringComparison.Ordinal)).ToList();
        Assert.Empty(missing);
    }
}
