-- AlterTable
ALTER TABLE "User" ADD COLUMN "moodDonationAt" DATETIME;

-- AlterTable
ALTER TABLE "MoodObservation" ADD COLUMN "input" TEXT;
ALTER TABLE "MoodObservation" ADD COLUMN "modelVersion" TEXT;

-- AlterTable
ALTER TABLE "Recommendation" ADD COLUMN "moodObservationId" INTEGER;

-- CreateTable
CREATE TABLE "MoodCorrection" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "observationId" INTEGER NOT NULL,
    "modelLabel" TEXT NOT NULL,
    "modelDistribution" TEXT NOT NULL,
    "chosenLabel" TEXT NOT NULL,
    "inputKind" TEXT NOT NULL,
    "modelVersion" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "MoodCorrection_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DonatedSentence" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "observationId" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "DonatedSentence_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "MoodCorrection_observationId_key" ON "MoodCorrection"("observationId");

-- CreateIndex
CREATE INDEX "MoodCorrection_userId_idx" ON "MoodCorrection"("userId");

-- CreateIndex
CREATE INDEX "MoodCorrection_createdAt_idx" ON "MoodCorrection"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "DonatedSentence_observationId_key" ON "DonatedSentence"("observationId");

-- CreateIndex
CREATE INDEX "DonatedSentence_userId_idx" ON "DonatedSentence"("userId");

-- CreateIndex
CREATE INDEX "DonatedSentence_createdAt_idx" ON "DonatedSentence"("createdAt");

-- CreateIndex
CREATE INDEX "Recommendation_moodObservationId_idx" ON "Recommendation"("moodObservationId");

