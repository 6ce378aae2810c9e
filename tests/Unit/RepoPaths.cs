namespace Mvm.Tests.Unit;

/// <summary>Locates files of the checkout the tests run from.</summary>
public static class RepoPaths
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Provider.sln"))) return dir.FullName;
            throw new InvalidOperationException("Provider.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
