using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Pymar.Hosting.Analyzers;

/// <summary>
/// Fixes PYMAR002 for a private field written only by the producer's constructors: makes it <c>readonly</c>, the
/// shape of a dependency the workers' dependency injection provides.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ProducerStateCodeFixProvider))]
[Shared]
public sealed class ProducerStateCodeFixProvider : CodeFixProvider
{
    private const string Title = "Make the field readonly";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Diagnostics.ProducerStateId);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.ContainsKey(Diagnostics.CanBeReadOnlyProperty)
                || root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<FieldDeclarationSyntax>() is not { } field)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => MakeReadOnlyAsync(context.Document, field, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> MakeReadOnlyAsync(Document document, FieldDeclarationSyntax field, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || field.Modifiers.Any(SyntaxKind.ReadOnlyKeyword))
        {
            return document;
        }

        // readonly goes after the accessibility and static modifiers, where the .NET style puts it.
        var modifiers = field.Modifiers;
        var index = modifiers.Count;
        for (var i = 0; i < modifiers.Count; i++)
        {
            if (!modifiers[i].IsKind(SyntaxKind.PrivateKeyword) && !modifiers[i].IsKind(SyntaxKind.PublicKeyword)
                && !modifiers[i].IsKind(SyntaxKind.InternalKeyword) && !modifiers[i].IsKind(SyntaxKind.ProtectedKeyword)
                && !modifiers[i].IsKind(SyntaxKind.NewKeyword))
            {
                index = i;
                break;
            }
        }

        SyntaxNode updated;
        if (modifiers.Count == 0)
        {
            var leading = field.Declaration.GetLeadingTrivia();
            updated = field
                .WithDeclaration(field.Declaration.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(SyntaxFactory.Token(leading, SyntaxKind.ReadOnlyKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space))));
        }
        else
        {
            updated = field.WithModifiers(modifiers.Insert(index, SyntaxFactory.Token(SyntaxKind.ReadOnlyKeyword).WithTrailingTrivia(SyntaxFactory.Space)));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(field, updated));
    }
}
