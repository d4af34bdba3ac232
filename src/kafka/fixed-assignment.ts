import type { PartitionAssigner } from 'kafkajs'
import { loadKafkajs } from './patches/index.js'

/**
 * A group whose first member takes exactly `partitions` of `topic` (kafkajs has no manual
 * assignment): the restore of one state-changelog partition, or a read replica of them all.
 * Such groups are throwaway: they commit nothing.
 */
export function fixedAssignment(
  name: string,
  topic: string,
  partitions: readonly number[],
): PartitionAssigner {
  const { AssignerProtocol } = loadKafkajs()
  return () => ({
    name,
    version: 1,
    protocol: ({ topics }) => ({
      name,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 1,
        topics,
        userData: Buffer.alloc(0),
      }),
    }),
    assign: async ({ members }) =>
      members.map((member, i) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: i === 0 ? { [topic]: [...partitions] } : {},
          userData: Buffer.alloc(0),
        }),
      })),
  })
}
