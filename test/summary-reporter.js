// Prints how long the run took, then the plain closing line "N passed, N failed, N skipped"
// that CI reads (keep it last and in this form).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const seconds = Math.round((Date.now() - results.startTime) / 1000);
    const took = `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
    process.stdout.write(`\nthe tests took ${took} (${seconds} s)`);
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `\n${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
