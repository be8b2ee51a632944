using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Pymar.Hosting.Analyzers;

/// <summary>
/// PYMAR003: a producer whose <c>TValue</c> System.Text.Json cannot create again from the JSON it writes: an
/// interface or abstract class without polymorphism attributes, a delegate, or (for classes declared in this
/// compilation) a class with no constructor System.Text.Json can call, a constructor parameter that matches no
/// member, or get-only data no constructor parameter sets. Types with a <c>[JsonConverter]</c> are trusted.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class JsonRoundTripAnalyzer : DiagnosticAnalyzer
{
    private const string JsonNamespace = "System.Text.Json.Serialization";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Diagnostics.JsonRoundTrip);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (PymarTypes.From(start.Compilation) is not { } types)
            {
                return;
            }

            var enumerable = start.Compilation.GetSpecialType(SpecialType.System_Collections_IEnumerable);
            start.RegisterSymbolAction(c => AnalyzeProducer(c, types, enumerable), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeProducer(SymbolAnalysisContext context, PymarTypes types, INamedTypeSymbol enumerable)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || types.FindProducerBase(type) is not { } producerBase)
        {
            return;
        }

        // TValue travels in every reply; TItem travels only when items come from memory, so it is not checked.
        var value = producerBase.TypeArguments[1];
        var problem = FindProblem(value, enumerable, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default));
        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Diagnostics.JsonRoundTrip,
                ValueLocation(type, context.CancellationToken),
                problem.Value.Type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                problem.Value.Reason));
        }
    }

    /// <summary>The first type inside <paramref name="type"/> that does not round-trip, and why.</summary>
    private static (ITypeSymbol Type, string Reason)? FindProblem(ITypeSymbol type, INamedTypeSymbol enumerable, HashSet<ITypeSymbol> seen)
    {
        if (type is ITypeParameterSymbol or IErrorTypeSymbol || !seen.Add(type))
        {
            return null;
        }

        if (type is IArrayTypeSymbol array)
        {
            return FindProblem(array.ElementType, enumerable, seen);
        }

        if (type is not INamedTypeSymbol named || HasAttribute(named, "JsonConverterAttribute"))
        {
            return null;
        }

        if (named.TypeKind == TypeKind.Delegate)
        {
            return (type, "it is a delegate");
        }

        var polymorphic = HasAttribute(named, "JsonPolymorphicAttribute") || HasAttribute(named, "JsonDerivedTypeAttribute");
        var isCollection = SymbolEqualityComparer.Default.Equals(named, enumerable)
            || named.AllInterfaces.Contains(enumerable, SymbolEqualityComparer.Default);
        if (named.TypeKind == TypeKind.Interface && !isCollection && !polymorphic)
        {
            return (type, "it is an interface, and System.Text.Json cannot create one");
        }

        if (named.TypeKind == TypeKind.Class && named.IsAbstract && !isCollection && !polymorphic)
        {
            return (type, "it is abstract, and System.Text.Json cannot create it without [JsonDerivedType] attributes");
        }

        foreach (var argument in named.TypeArguments)
        {
            if (FindProblem(argument, enumerable, seen) is { } inner)
            {
                return inner;
            }
        }

        if (named.TypeKind == TypeKind.Class && !named.IsAbstract && !named.IsStatic && !isCollection && !polymorphic
            && named.Locations.Any(l => l.IsInSource)
            && ConstructionProblem(named) is { } reason)
        {
            return (type, reason);
        }

        return null;
    }

    /// <summary>Why System.Text.Json cannot build <paramref name="type"/> with its data, or null.</summary>
    private static string? ConstructionProblem(INamedTypeSymbol type)
    {
        var constructors = type.InstanceConstructors;
        var publicConstructors = constructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        var constructor = constructors.FirstOrDefault(c => HasAttribute(c, "JsonConstructorAttribute"))
            ?? publicConstructors.FirstOrDefault(c => c.Parameters.IsEmpty)
            ?? (publicConstructors.Count == 1 ? publicConstructors[0] : null);
        if (constructor is null)
        {
            return publicConstructors.Count == 0
                ? "it has no public constructor"
                : "it has several public constructors with parameters and none is marked [JsonConstructor]";
        }

        var members = type.GetMembers()
            .Where(m => !m.IsStatic && !m.IsImplicitlyDeclared && m.DeclaredAccessibility == Accessibility.Public && m is IPropertySymbol { IsIndexer: false } or IFieldSymbol)
            .ToList();
        var parameters = new HashSet<string>(constructor.Parameters.Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in constructor.Parameters)
        {
            if (!members.Any(m => string.Equals(m.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
            {
                return $"the constructor parameter '{parameter.Name}' matches no public property or field";
            }
        }

        foreach (var member in members)
        {
            if (parameters.Contains(member.Name) || HasAttribute(member, "JsonIgnoreAttribute") || HasAttribute(member, "JsonIncludeAttribute"))
            {
                continue;
            }

            var readOnlyData = member switch
            {
                IPropertySymbol property => property.SetMethod is not { DeclaredAccessibility: Accessibility.Public }
                    && IsAutoProperty(type, property)
                    && !HasInitializer(property),
                _ => false,
            };
            if (readOnlyData)
            {
                return $"'{member.Name}' cannot be set and no constructor parameter sets it";
            }
        }

        return null;
    }

    private static bool IsAutoProperty(INamedTypeSymbol type, IPropertySymbol property) =>
        type.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

    /// <summary>A get-only property with an initializer holds the same value on both sides.</summary>
    private static bool HasInitializer(IPropertySymbol property) =>
        property.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is PropertyDeclarationSyntax { Initializer: not null });

    private static bool HasAttribute(ISymbol symbol, string name)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            for (var current = attribute.AttributeClass; current is not null; current = current.BaseType)
            {
                if (current.Name == name && current.ContainingNamespace?.ToDisplayString() == JsonNamespace)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The <c>TValue</c> argument in <c>: Producer&lt;TItem, TValue&gt;</c>, or the class name.</summary>
    private static Location ValueLocation(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is ClassDeclarationSyntax { BaseList: { } baseList })
            {
                foreach (var baseType in baseList.Types)
                {
                    var name = baseType.Type is QualifiedNameSyntax qualified ? qualified.Right : baseType.Type;
                    if (name is GenericNameSyntax { Identifier.ValueText: "Producer", TypeArgumentList.Arguments: { Count: 2 } arguments })
                    {
                        return arguments[1].GetLocation();
                    }
                }
            }
        }

        return type.Locations.FirstOrDefault() ?? Location.None;
    }
}
